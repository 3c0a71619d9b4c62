/* routes.c - the one route table: method, pattern, handler, flags, view, TTL. */
#include "app.h"

/* Pages (HTML face) and the API (JSON face) call the same handlers; the
 * route's R_API flag (or an /api/ path) picks the face. */
// clang-format off
const struct route routes[] = {
	/* method   pattern                      handler              flags                          view      ttl */
	{"GET",    "/",                         feed_show,           0,                             "feed",   2},
	{"GET",    "/p/{id}",                   post_show,           0,                             "post",   5},
	{"GET",    "/signup",                   account_signup_form, R_FORM,                        "signup", 0},
	{"POST",   "/signup",                   account_create,      R_FORM | R_CSRF,               "signup", 0},
	{"GET",    "/login",                    session_login_form,  R_FORM,                        "login",  0},
	{"POST",   "/login",                    session_create,      R_FORM | R_CSRF,               "login",  0},
	{"POST",   "/logout",                   session_delete,      R_LOGIN | R_CSRF,              NULL,     0},
	{"GET",    "/upload",                   post_upload_form,    R_LOGIN,                       "upload", 0},
	{"POST",   "/upload",                   post_create,         R_LOGIN | R_CSRF,              "upload", 0},
	{"GET",    "/p/{id}/lineage",           lineage_show,        0,                             "lineage", 5},
	{"GET",    "/p/{id}/remix",             remix_form,          R_LOGIN,                       "create", 0},
	{"POST",   "/p/{id}/remix",             remix_create,        R_LOGIN | R_CSRF,              "create", 0},
	{"GET",    "/create",                   gen_create_form,     R_LOGIN,                       "create", 0},
	{"POST",   "/create",                   gen_create,          R_LOGIN | R_CSRF,              "create", 0},
	{"GET",    "/g/{id}",                   gen_show,            R_LOGIN,                       "generation", 0},
	{"POST",   "/g/{id}/publish",           gen_publish,         R_LOGIN | R_CSRF,              "generation", 0},
	{"POST",   "/g/{id}/cancel",            gen_cancel,          R_LOGIN | R_CSRF,              NULL,     0},
	{"GET",    "/healthz",                  health_show,         R_API,                         NULL,     0},

	{"POST",   "/api/v1/accounts",          account_create,      R_API | R_CSRF,                NULL,     0},
	{"POST",   "/api/v1/sessions",          session_create,      R_API | R_CSRF,                NULL,     0},
	{"DELETE", "/api/v1/sessions/current",  session_delete,      R_API | R_LOGIN | R_CSRF,      NULL,     0},
	{"GET",    "/api/v1/me",                me_show,             R_API | R_LOGIN,               NULL,     0},
	{"POST",   "/api/v1/posts",             post_create,         R_API | R_LOGIN | R_CSRF,      NULL,     0},
	{"GET",    "/api/v1/posts/{id}",        post_show,           R_API,                         NULL,     5},
	{"GET",    "/api/v1/feed",              feed_show,           R_API,                         NULL,     2},
	{"POST",   "/api/v1/posts/{id}/remix",  remix_create,        R_API | R_LOGIN | R_CSRF,      NULL,     0},
	{"GET",    "/api/v1/posts/{id}/lineage", lineage_show,       R_API,                         NULL,     5},
	{"POST",   "/api/v1/generations",       gen_create,          R_API | R_LOGIN | R_CSRF,      NULL,     0},
	{"GET",    "/api/v1/generations/{id}",  gen_show,            R_API | R_LOGIN,               NULL,     0},
	{"DELETE", "/api/v1/generations/{id}",  gen_cancel,          R_API | R_LOGIN | R_CSRF,      NULL,     0},
	{"POST",   "/api/v1/generations/{id}/publish", gen_publish,  R_API | R_LOGIN | R_CSRF,      NULL,     0},
};
// clang-format on

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
