/* config.h - imagier.conf (INI) plus IMAGIER_* environment overrides. */
#ifndef IMAGIER_CONFIG_H
#define IMAGIER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_PATH 512

enum secure_cookies { SECURE_NO = 0, SECURE_YES = 1, SECURE_AUTO = 2 };

struct config {
	char root[CONFIG_PATH]; /* repository root (IMAGIER_ROOT or cwd) */
	/* [server] */
	int port;
	char var[CONFIG_PATH];
	char listen[CONFIG_PATH];
	int workers;
	long max_requests;
	char views[CONFIG_PATH];
	char sql[CONFIG_PATH];
	/* [db] */
	char db_socket[CONFIG_PATH];
	char db_host[256];
	int db_port;
	char db_name[64];
	char db_user[64];
	char db_password[256];
	/* replicas: "host:port" or a socket path each, comma separated ("":
	 * none); a replica further behind than replica_max_lag seconds is
	 * skipped; read-your-writes waits up to replica_wait_ms on one */
	char db_replicas[1024];
	char db_nodes[1024];
	int db_replica_max_lag;
	int db_replica_wait_ms;
	/* [cache] */
	char cache_servers[1024];
	int cache_retry;
	/* [media] */
	char media_dir[CONFIG_PATH];
	char exports_dir[CONFIG_PATH];
	char media_url[128];
	long max_pixels;
	long max_upload;
	long min_free_mb; /* uploads refused (507) below this many free MiB */
	/* [site] */
	char site_name[64];
	char site_secret[256];
	int secure_cookies;
	int session_days;
	int session_idle_days; /* a session unused this long ends; 0: never */
	int login_attempts;
	char site_base_url[256]; /* public URL of the site, no trailing '/' needed */
	/* [gen] */
	char gen_backends[128]; /* enabled, comma separated */
	char gen_default[16];
	int gen_max_in_flight;
	int gen_max_per_hour;
	int gen_job_timeout;
	int gen_max_attempts;
	char gen_worker_id[64]; /* stable per host/instance; "" = hostname */

	/* [timeline]: followers per fan-out statement */
	int timeline_fanout_batch;
	/* [openai] */
	char openai_base_url[256];
	char openai_api_key[256];
	char openai_model[64];
	int openai_timeout;
	/* [a1111] */
	char a1111_base_url[256];
	char a1111_model[128];
	char a1111_api_key[256]; /* "user:password" of --api-auth, or a token */
	int a1111_steps;
	char a1111_sampler[64];
	int a1111_timeout;
	/* [rank] the "for you" weights (docs/RANKING.md) */
	double rank_w_like, rank_w_comment, rank_w_remix, rank_half_life_hours;
	double rank_w_author_affinity, rank_w_tag_affinity;
	double rank_w_followed_author, rank_w_followed_tag, rank_w_remix_of_liked, rank_w_rising;
	double rank_w_fresh, rank_fresh_hours, rank_less_penalty, rank_explore_share;
	int rank_max_per_author;
	/* [moderation] the classifier's thresholds and the image hash distances */
	double mod_hold_at, mod_flag_at;
	int mod_min_decisions;
	int mod_block_distance, mod_near_distance;
	/* [limits] what one account and one address may do per window (0: no
	 * limit); accounts younger than new_account_hours get their limits
	 * divided by new_account_divisor (cgi/ratelimit.c) */
	int lim_post_per_hour, lim_post_per_hour_addr;
	int lim_generate_per_hour, lim_generate_per_hour_addr;
	int lim_comment_per_hour, lim_comment_per_hour_addr;
	int lim_like_per_hour, lim_like_per_hour_addr;
	int lim_report_per_day, lim_report_per_day_addr;
	int lim_follow_per_hour, lim_follow_per_hour_addr;
	int lim_avatar_per_hour, lim_avatar_per_hour_addr;
	int lim_login_per_5min_addr;
	int lim_apps_per_hour_addr;
	int lim_signup_per_hour_addr;
	int lim_new_account_hours, lim_new_account_divisor;
	int lim_inbox_per_min_host; /* activities one host may POST to the inboxes a minute */
	int lim_inbox_per_min_addr; /* ... one address, verified or not */
	int fed_allow_private;	    /* fetch and deliver to loopback/private addresses */
	/* [label] the visible label on the display sizes of posts' images */
	int label_enabled;
	char label_text[64];
	char label_corner[16]; /* top-left, top-right, bottom-left, bottom-right */
	int label_opacity;     /* 0..100 */
};

/* Load defaults, then <root>/imagier.conf (or $IMAGIER_CONFIG), then
 * <var>/imagier.conf if present, then IMAGIER_<SECTION>_<KEY> variables
 * (and the shortcuts IMAGIER_PORT, IMAGIER_VAR). Relative paths are made
 * absolute against root; "%v" expands to the var dir.
 * Returns 0, or -1 with a message in err (bad number, unknown key, ...). */
int config_load(struct config *c, char *err, size_t errlen);

/* Parse INI text into c (used by config_load and tests). Unknown keys are
 * an error; "; " and "# " start comments. Returns 0 or -1 with err. */
int config_parse_ini(struct config *c, const char *text, const char *origin, char *err,
		     size_t errlen);

#endif
