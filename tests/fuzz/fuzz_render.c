/* fuzz_render.c - fuzz the template parser and renderer: input is a template source. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "render.h"

/* A small fixed view with every kind of value the renderer handles. */
static const char VIEW[] =
    "{\"title\":\"A <b>&'\\\"`\",\"n\":42,\"f\":1.5,\"neg\":-3,\"t\":true,\"no\":false,"
    "\"nil\":null,\"empty\":\"\",\"none\":[],\"body_html\":\"<p>ok</p>\","
    "\"user\":{\"name\":\"ann\",\"bio_html\":\"<i>hi</i>\",\"tags\":[\"x\",\"y\"]},"
    "\"items\":[{\"name\":\"a\",\"id\":1,\"items\":[{\"name\":\"deep\"}]},"
    "{\"name\":\"b\",\"id\":2,\"liked\":true},\"s\",7,null,[1,[2]]]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cJSON *view;
	if (!view)
		view = cJSON_Parse(VIEW);

	char err[256];
	/* "t" may include itself as a partial; "p" is a second, fixed partial */
	struct tmpl_set *set = tmpl_add(NULL, "p", "[{{name}}{{>t}}]", 16, err, sizeof(err));
	if (!set)
		__builtin_trap();
	if (!tmpl_add(set, "t", (const char *)data, size, err, sizeof(err))) {
		tmpl_free(set);
		return 0;
	}
	struct buf out = {0};
	if (tmpl_render(set, "t", view, &out) != 0)
		__builtin_trap();
	buf_free(&out);
	tmpl_free(set);
	return 0;
}
