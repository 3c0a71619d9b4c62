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

#endif
