/* diff.h - word-level difference between two prompts. */
#ifndef IMAGIER_DIFF_H
#define IMAGIER_DIFF_H

#include "arena.h"

struct cJSON;

#define DIFF_MAX_WORDS 600

/* The edit from `from` to `to` as a JSON array of runs
 *   [{"text":"a red","same":true},{"text":"cat","del":true},{"text":"dog","add":true}]
 * (longest common subsequence of whitespace-separated words; adjacent words
 * of one kind merge into one run). Texts longer than DIFF_MAX_WORDS words
 * compare their first DIFF_MAX_WORDS words and report the rest as a change. */
struct cJSON *diff_words(struct arena *a, const char *from, const char *to);

#endif
