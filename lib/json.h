/* json.h - printing cJSON trees with every whole number exact. */
#ifndef IMAGIER_JSON_H
#define IMAGIER_JSON_H

#include <stddef.h>

struct cJSON;

/* cJSON_PrintUnformatted / cJSON_Print, except that a number with no
 * fraction (an id, a seed, a count) is printed as the integer it is:
 * cJSON's own printing keeps 15 significant digits whenever they read back
 * "close enough", so 5986874327946899 came out as 5.9868743279469e+15.
 * The tree is the same afterwards. The text is malloc'ed (free it), or NULL. */
char *json_print(struct cJSON *j);
char *json_print_pretty(struct cJSON *j);

struct buf;
/* A tree in a compact binary form, for what imagier keeps for itself (the
 * post cache): no text to scan and no number to convert when it is read
 * back, which cJSON_Parse of the same post took five times as long to do.
 * json_pack appends the form of j to out; json_unpack makes the tree back
 * (deleted with cJSON_Delete), or returns NULL when p is not a whole packed
 * tree: a wrong mark, a short or overlong input, nesting past
 * JSON_PACK_DEPTH or more than JSON_PACK_NODES nodes. Text that is not the
 * packed form (JSON, "0") is never taken for it: it starts with a mark
 * byte JSON cannot. */
#define JSON_PACK_DEPTH 32
#define JSON_PACK_NODES 100000
void json_pack(const struct cJSON *j, struct buf *out);
struct cJSON *json_unpack(const char *p, size_t len);
int json_is_packed(const char *p, size_t len);

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
