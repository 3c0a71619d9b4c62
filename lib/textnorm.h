/* textnorm.h - text folding and word-list matching for the moderation word filter. */
#ifndef IMAGIER_TEXTNORM_H
#define IMAGIER_TEXTNORM_H

#include <stddef.h>

#include "arena.h"

#define TEXTNORM_MAX_INPUT	65536	/* bytes folded; the rest is ignored */
#define TEXTNORM_LIST_MAX	5000	/* entries in one list */
#define TEXTNORM_ENTRY_MAX	100	/* characters (code points) per entry */
#define TEXTNORM_LIST_MAX_TEXT	1048576 /* bytes of list text, comments included */
#define TEXTNORM_MIN_SPACED_RUN 3	/* "f u c k": runs of >= this many single letters join */

/* Fold UTF-8 text so trivial evasion is undone; returns a NUL-terminated arena
 * string of lower-case ASCII words [a-z] separated by single spaces (no leading
 * or trailing space; "" for no letters), never longer than min(len, 64 KiB).
 *   - letters are lower-cased, Latin-1 / Latin Extended-A accents stripped
 *     ("é"->"e", "ß"->"ss", "æ"->"ae"), combining marks dropped;
 *   - any other non-symbol code point reads as its Unicode compatibility
 *     form, case-folded (NFKD via libunistring): "ⅽ" (U+217D) -> "c",
 *     "ℌ" -> "h", "ﬁ" -> "fi", "ạ" -> "a", "①" -> "1" -> "i"; symbols
 *     ("™", "㎯") still vanish;
 *   - Cyrillic/Greek look-alikes, fullwidth and math-alphanumeric letters map
 *     to Latin; digits 0->o 1->i 2->z 3->e 4->a 5->s 6->g 7->t 8->b 9->g;
 *     @->a $->s inside a word with letters or with two of them ("@$$"),
 *     | ! + (->i ->i ->t) only before a later letter ("sh!t"->"shit",
 *     "hi!"->"hi"); other symbols vanish;
 *   - inside a word . - _ * ' ` ~ ^ dashes, bullets, other symbols and
 *     zero-width characters vanish ("f.u-c_k" -> "fuck");
 *   - runs of >= TEXTNORM_MIN_SPACED_RUN single-letter words join ("f u c k");
 *   - runs of one letter collapse ("fuuuck" -> "fuck", note "ass" -> "as").
 * Invalid UTF-8 bytes are dropped. Idempotent: fold(fold(x)) == fold(x).
 * utf8 may be NULL when len is 0. Never fails. */
char *textnorm_fold(struct arena *a, const char *utf8, size_t len);

/* A compiled word list: each entry folded by textnorm_fold(). Opaque. */
struct textnorm_list;

/* Parse a list, one entry per line (single words or phrases; surrounding
 * spaces trimmed; blank lines and lines starting with '#' ignored; entries
 * that fold to the same text kept once). Everything lives in arena a.
 * Returns the list, or NULL with *reason (if reason is not NULL) set to a
 * human-readable message for: text over TEXTNORM_LIST_MAX_TEXT bytes, more
 * than TEXTNORM_LIST_MAX entries, an entry over TEXTNORM_ENTRY_MAX
 * characters, or an entry with no letters. text NULL is an empty list. */
struct textnorm_list *textnorm_list_parse(struct arena *a, const char *text, const char **reason);

/* The same, and each entry also matches the common inflections of its
 * (last) word: "casino" matches "casinos", "casino's", "casinos'",
 * "casinoes"; "party" matches "parties". Whole words still: "scam" never
 * matches "scampi". What the word filter and muted words use. */
struct textnorm_list *textnorm_list_parse_forms(struct arena *a, const char *text,
						const char **reason);

/* Number of distinct (folded) entries in l as listed (their inflections not
 * counted); 0 for NULL. */
size_t textnorm_list_count(const struct textnorm_list *l);

/* The entry (as written in the list, trimmed) that occurs as whole word(s)
 * in `folded` (output of textnorm_fold) at the earliest word, shortest entry
 * first on ties; NULL if none or if l or folded is NULL. "class" never
 * matches "ass". Time O(words in text x longest phrase in words). */
const char *textnorm_match(const struct textnorm_list *l, const char *folded);

#endif
