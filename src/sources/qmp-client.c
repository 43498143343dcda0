// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qmp-client.c - a minimal QMP client over a unix socket: connect (greeting,
 * qmp_capabilities), execute a command, run an HMP command line.
 *
 * The client reads one message a line (QMP's default, non-pretty output)
 * with recv(MSG_PEEK), so no byte of a later answer is ever buffered away.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "iommu-map.h"
#include "sources/qmp.h"

#define QMP_MAX_MSG (16u << 20)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };

	for (;;) {
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* one '\n'-terminated message, NUL-terminated, malloc'd */
static int read_line(int fd, char **out, int64_t deadline)
{
	size_t cap = 4096, len = 0;
	char *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	for (;;) {
		ssize_t k;
		char *nl;
		int r;

		if (len + 4096 + 1 > cap) {
			char *nb;

			if (cap >= QMP_MAX_MSG) {
				free(b);
				return -EMSGSIZE;
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		r = wait_fd(fd, POLLIN, deadline);
		if (r) {
			free(b);
			return r;
		}
		k = recv(fd, b + len, 4096, MSG_PEEK);
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			r = -errno;
			free(b);
			return r;
		}
		if (!k) {
			free(b);
			return -ECONNRESET;
		}
		nl = memchr(b + len, '\n', (size_t)k);
		if (nl)
			k = nl - (b + len) + 1;
		/* consume exactly what we keep */
		k = recv(fd, b + len, (size_t)k, 0);
		if (k <= 0) {
			r = k < 0 ? -errno : -ECONNRESET;
			free(b);
			return r;
		}
		len += (size_t)k;
		if (nl) {
			b[len] = 0;
			*out = b;
			return 0;
		}
	}
}

static int send_all(int fd, const char *s, size_t n, int64_t deadline)
{
	while (n) {
		ssize_t k;
		int r = wait_fd(fd, POLLOUT, deadline);

		if (r)
			return r;
		k = send(fd, s, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

/* a json-c value (arguments, an answer) written out by our writer */
static void put_value(struct jw *w, json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_boolean:
		jw_bool(w, json_object_get_boolean(o));
		break;
	case json_type_double:
		jw_double(w, json_object_get_double(o));
		break;
	case json_type_int: {
		int64_t v = json_object_get_int64(o);

		/* json-c clamps a value past INT64_MAX: ask for it unsigned */
		if (v == INT64_MAX)
			jw_uint(w, json_object_get_uint64(o));
		else
			jw_int(w, v);
		break;
	}
	case json_type_string:
		jw_strn(w, json_object_get_string(o), (size_t)json_object_get_string_len(o));
		break;
	case json_type_object: {
		jw_obj_begin(w);
		json_object_object_foreach(o, k, v) {
			jw_key(w, k);
			put_value(w, v);
		}
		jw_obj_end(w);
		break;
	}
	case json_type_array: {
		size_t i, n = json_object_array_length(o);

		jw_arr_begin(w);
		for (i = 0; i < n; i++)
			put_value(w, json_object_array_get_idx(o, i));
		jw_arr_end(w);
		break;
	}
	default:
		jw_null(w);
	}
}

/* finish a writer on an open_memstream() of *out; on error *out is freed */
static int mem_close(struct jw *w, FILE *f, char **out)
{
	int r = jw_finish(w);

	if (fclose(f) && !r)
		r = -ENOMEM;
	if (r) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/* the command as QMP reads it: {"execute":cmd,"arguments":args}, one line */
static int request_text(const char *cmd, json_object *args, char **out)
{
	size_t len;
	FILE *f = open_memstream(out, &len);
	struct jw w;

	if (!f)
		return -errno;
	jw_init(&w, f, JW_COMPACT);
	jw_obj_begin(&w);
	jw_kstr(&w, "execute", cmd);
	if (args) {
		jw_key(&w, "arguments");
		put_value(&w, args);
	}
	jw_obj_end(&w);
	return mem_close(&w, f, out);
}

/* v as text in layout; wrap: as {"wrap": v} (a capture keeps {"return": ...}) */
int im_qmp_value_text(json_object *v, enum jw_layout layout, const char *wrap, char **out)
{
	size_t len;
	FILE *f = open_memstream(out, &len);
	struct jw w;

	if (!f)
		return -errno;
	jw_init(&w, f, layout);
	if (wrap) {
		jw_obj_begin(&w);
		jw_key(&w, wrap);
	}
	put_value(&w, v);
	if (wrap)
		jw_obj_end(&w);
	return mem_close(&w, f, out);
}

/* next message that is not an event */
static int read_msg(int fd, json_object **msg, int64_t deadline, const char *what,
		    struct im_err *err)
{
	for (;;) {
		json_object *o, *ev;
		char *line = NULL;
		int r = read_line(fd, &line, deadline);

		if (r) {
			im_err_set(err, what, 0, "QMP: %s", r == -ETIMEDOUT ?
				   "no answer before the timeout" : strerror(-r));
			return r;
		}
		o = json_tokener_parse(line);
		free(line);
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			im_err_set(err, what, 0, "QMP: an answer that is not a JSON object");
			return -EPROTO;
		}
		if (json_object_object_get_ex(o, "event", &ev)) {
			json_object_put(o);
			continue;
		}
		*msg = o;
		return 0;
	}
}

static bool is_gpa2hpa(const char *cmdline)
{
	while (*cmdline == ' ' || *cmdline == '\t')
		cmdline++;
	return !strncmp(cmdline, "gpa2hpa", 7);
}

int im_qmp_execute(int fd, const char *cmd, json_object *args, json_object **ret,
		   int timeout_ms, struct im_err *err)
{
	int64_t deadline = now_ms() + timeout_ms;
	json_object *msg, *v;
	char *s;
	int r;

	if (!strcmp(cmd, "human-monitor-command") && args) {
		json_object *cl;

		if (json_object_object_get_ex(args, "command-line", &cl) &&
		    is_gpa2hpa(json_object_get_string(cl))) {
			im_err_set(err, "qmp", 0, "refusing gpa2hpa: it writes to the target address");
			return -EPERM;
		}
	}
	r = request_text(cmd, args, &s);
	if (r) {
		im_err_set(err, cmd, 0, "QMP: cannot write the command: %s", strerror(-r));
		return r;
	}
	r = send_all(fd, s, strlen(s), deadline);
	free(s);
	if (r) {
		im_err_set(err, cmd, 0, "QMP: send: %s", strerror(-r));
		return r;
	}
	r = read_msg(fd, &msg, deadline, cmd, err);
	if (r)
		return r;
	if (json_object_object_get_ex(msg, "error", &v)) {
		json_object *d;
		char *t = NULL;

		if (json_object_object_get_ex(v, "desc", &d) &&
		    json_object_is_type(d, json_type_string))
			im_err_set(err, cmd, 0, "QMP error: %s", json_object_get_string(d));
		else if (!im_qmp_value_text(v, JW_COMPACT, NULL, &t))
			im_err_set(err, cmd, 0, "QMP error: %.*s", (int)strcspn(t, "\n"), t);
		else
			im_err_set(err, cmd, 0, "QMP error");
		free(t);
		json_object_put(msg);
		return -EREMOTEIO;
	}
	if (!json_object_object_get_ex(msg, "return", &v)) {
		im_err_set(err, cmd, 0, "QMP: an answer with neither return nor error");
		json_object_put(msg);
		return -EPROTO;
	}
	if (ret)
		*ret = json_object_get(v);
	json_object_put(msg);
	return 0;
}

int im_qmp_connect(const char *path, int timeout_ms, struct im_err *err)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_object *greet, *q;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		im_err_set(err, path, 0, "socket path too long");
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		im_err_set(err, path, 0, "socket: %s", strerror(-r));
		return r;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		r = -errno;
		im_err_set(err, path, 0, "connect: %s", strerror(-r));
		close(fd);
		return r;
	}
	r = read_msg(fd, &greet, deadline, path, err);
	if (r) {
		close(fd);
		return r;
	}
	if (!json_object_object_get_ex(greet, "QMP", &q)) {
		json_object_put(greet);
		close(fd);
		im_err_set(err, path, 0, "not a QMP socket (no greeting; an HMP monitor?)");
		return -EPROTO;
	}
	json_object_put(greet);
	r = im_qmp_execute(fd, "qmp_capabilities", NULL, NULL, timeout_ms, err);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

int im_qmp_hmp(int fd, const char *cmdline, char **out, int timeout_ms,
	       struct im_err *err)
{
	json_object *args, *ret = NULL;
	int r;

	if (is_gpa2hpa(cmdline)) {
		im_err_set(err, "hmp", 0, "refusing gpa2hpa: it writes to the target address");
		return -EPERM;
	}
	args = json_object_new_object();
	json_object_object_add(args, "command-line", json_object_new_string(cmdline));
	r = im_qmp_execute(fd, "human-monitor-command", args, &ret, timeout_ms, err);
	json_object_put(args);
	if (r)
		return r;
	if (!json_object_is_type(ret, json_type_string)) {
		json_object_put(ret);
		im_err_set(err, cmdline, 0, "HMP: the answer is not a string");
		return -EPROTO;
	}
	*out = strdup(json_object_get_string(ret));
	json_object_put(ret);
	return *out ? 0 : -ENOMEM;
}
