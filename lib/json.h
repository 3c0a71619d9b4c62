/* json.h - printing cJSON trees with every whole number exact. */
#ifndef IMAGIER_JSON_H
#define IMAGIER_JSON_H

struct cJSON;

/* cJSON_PrintUnformatted / cJSON_Print, except that a number with no
 * fraction (an id, a seed, a count) is printed as the integer it is:
 * cJSON's own printing keeps 15 significant digits whenever they read back
 * "close enough", so 5986874327946899 came out as 5.9868743279469e+15.
 * The tree is the same afterwards. The text is malloc'ed (free it), or NULL. */
char *json_print(struct cJSON *j);
char *json_print_pretty(struct cJSON *j);

struct arena;
/* From here to json_request_end, the cJSON trees this thread makes live in
 * the request's arena a (up to JSON_ARENA_MAX bytes of it; then malloc
 * again), and deleting one frees nothing: the arena's reset does. A feed
 * page is thousands of small nodes, and malloc and free of each were a
 * fifth of a first view's work in the worker. Every tree made in between
 * must be gone (deleted, or simply dropped) by json_request_end, which
 * comes before the arena's reset. Text from json_print is malloc'ed
 * whatever the mode. */
void json_request_begin(struct arena *a);
void json_request_end(void);

#endif
