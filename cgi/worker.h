/* worker.h - one FastCGI worker process. */
#ifndef IMAGIER_WORKER_H
#define IMAGIER_WORKER_H

/* Serve requests from listen_fd until SIGTERM or max_requests; returns the
 * process exit code (0 = normal, 1 = could not start). */
int worker_run(int listen_fd);

struct request;
struct arena;
struct http_limits;
/* Fill req from CGI/FastCGI parameters (method, path, query, headers...);
 * the body is read by the caller. */
void request_from_env(struct request *req, struct arena *a, char **envp);
/* Parse the Cookie header into req->cookies. 0 or 400. */
int request_cookies(struct request *req, const struct http_limits *lim);

#endif
