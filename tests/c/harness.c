/* C ABI proof for wheel-resolver (contract §1).
 *
 * Links the static library and checks, through include/wheel_resolver.h only:
 * a real plan, an invalid-wheel error, the error envelopes for bad configs,
 * resolver_free_string(NULL), resolver_version(), concurrent calls from
 * many threads, cancel handles (cancelled before the call, and from
 * another thread while the call waits on a silent loopback index), and
 * resolver_fetch_wheels against a loopback server
 * (scripts/index_test_server.py, started here). Each check prints one line; the last line is exactly
 * "N passed, M failed" (CI reads it). Exit status: 0 iff nothing failed.
 *
 * Usage: harness [--iterations N] FIXTURES_DIR EXPECTED_VERSION
 *   FIXTURES_DIR      fixtures/parity (made absolute here)
 *   EXPECTED_VERSION  the package version in Cargo.toml
 *   --iterations N    calls per thread in the concurrency check (default 50;
 *                     the valgrind run uses fewer)
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "json.h"
#include "wheel_resolver.h"

#define RUN_ID "c-harness-run"
#define THREADS 8
#define DEFAULT_ITERATIONS 50

static int passed;
static int failed;

/* Records one check: prints "ok   - NAME" or "FAIL - NAME: WHY". */
static void check(int ok, const char *name, const char *why_fmt, ...)
{
    if (ok) {
        passed++;
        printf("ok   - %s\n", name);
    } else {
        va_list ap;
        failed++;
        printf("FAIL - %s: ", name);
        va_start(ap, why_fmt);
        vprintf(why_fmt, ap);
        va_end(ap);
        printf("\n");
    }
    fflush(stdout);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL) {
        fprintf(stderr, "harness: out of memory\n");
        exit(2);
    }
    return p;
}

/* Returns "prefix" + JSON string literal of `s` + "suffix", malloc'd. */
static char *json_wrap(const char *prefix, const char *s, const char *suffix)
{
    size_t n = strlen(prefix) + strlen(suffix) + 3 + 6 * strlen(s);
    char *out = xmalloc(n);
    char *w = out;
    const unsigned char *r;
    w += sprintf(w, "%s\"", prefix);
    for (r = (const unsigned char *)s; *r != '\0'; r++) {
        if (*r == '"' || *r == '\\') {
            *w++ = '\\';
            *w++ = (char)*r;
        } else if (*r < 0x20) {
            w += sprintf(w, "\\u%04x", *r);
        } else {
            *w++ = (char)*r;
        }
    }
    sprintf(w, "\"%s", suffix);
    return out;
}

/* A config for input directory `dir` (absolute), with extra JSON members
 * `extra` (e.g. ",\"x\":1", or ""). */
static char *config_for(const char *dir, const char *extra)
{
    char suffix[512];
    snprintf(suffix, sizeof suffix,
             ",\"target_python\":\"3.11\",\"target_platform_tag\":\"manylinux2014_s390x\","
             "\"run_id\":\"" RUN_ID "\"%s}",
             extra);
    return json_wrap("{\"input_dir\":", dir, suffix);
}

static char *path_join(const char *a, const char *b)
{
    char *out = xmalloc(strlen(a) + strlen(b) + 2);
    sprintf(out, "%s/%s", a, b);
    return out;
}

/* Calls the resolver and parses the result; returns NULL (and records a
 * failure) when the result is NULL or not JSON. The raw result is freed. */
static json_value *plan_json(const char *name, const char *config)
{
    char *raw = resolver_compute_plan(config);
    json_value *doc;
    if (raw == NULL) {
        check(0, name, "resolver_compute_plan returned NULL");
        return NULL;
    }
    doc = json_parse(raw);
    if (doc == NULL || doc->kind != JSON_OBJECT) {
        check(0, name, "result is not a JSON object: %.300s", raw);
        json_free(doc);
        doc = NULL;
    }
    resolver_free_string(raw);
    return doc;
}

/* Checks that `doc` is an error envelope with code `code`; returns its
 * message (owned by `doc`) or NULL. */
static const char *expect_error(const char *name, const json_value *doc, const char *code)
{
    const json_value *err = json_get(doc, "error");
    const char *got = json_str(json_get(err, "code"));
    const char *message = json_str(json_get(err, "message"));
    if (err == NULL) {
        check(0, name, "expected error %s, got no \"error\" member", code);
        return NULL;
    }
    if (got == NULL || strcmp(got, code) != 0) {
        check(0, name, "expected error code %s, got %s (message: %s)", code,
              got ? got : "(none)", message ? message : "(none)");
        return NULL;
    }
    if (message == NULL || message[0] == '\0') {
        check(0, name, "error %s has no message", code);
        return NULL;
    }
    if (json_array_len(json_get(err, "details")) == (size_t)-1) {
        check(0, name, "error %s has no \"details\" array", code);
        return NULL;
    }
    return message;
}

/* Whether `needle` occurs in the error's message or in any detail string. */
static int error_mentions(const json_value *doc, const char *needle)
{
    const json_value *err = json_get(doc, "error");
    const json_value *details = json_get(err, "details");
    const char *message = json_str(json_get(err, "message"));
    size_t n = json_array_len(details);
    size_t i, j;
    if (message != NULL && strstr(message, needle) != NULL) {
        return 1;
    }
    for (i = 0; n != (size_t)-1 && i < n; i++) {
        const json_value *d = json_at(details, i);
        for (j = 0; d != NULL && d->kind == JSON_OBJECT && j < d->len; j++) {
            const char *s = json_str(d->items[j]);
            if (s != NULL && strstr(s, needle) != NULL) {
                return 1;
            }
        }
    }
    return 0;
}

/* Whether array entry `i` of `arr` has name/version (and reason, if non-NULL). */
static int entry_is(const json_value *arr, size_t i, const char *name, const char *version,
                    const char *reason)
{
    const json_value *e = json_at(arr, i);
    const char *n = json_str(json_get(e, "name"));
    const char *v = json_str(json_get(e, "version"));
    const char *r = json_str(json_get(e, "reason"));
    return n != NULL && strcmp(n, name) == 0 && v != NULL && strcmp(v, version) == 0
        && (reason == NULL || (r != NULL && strcmp(r, reason) == 0));
}

static void test_version(const char *expected)
{
    const char *v1 = resolver_version();
    const char *v2 = resolver_version();
    check(v1 != NULL && v1[0] != '\0', "resolver_version() is a non-empty string", "got %s",
          v1 == NULL ? "NULL" : "\"\"");
    if (v1 == NULL) {
        return;
    }
    check(strcmp(v1, expected) == 0, "resolver_version() equals the Cargo.toml version",
          "got \"%s\", Cargo.toml says \"%s\"", v1, expected);
    check(v1 == v2, "resolver_version() is static (same pointer on every call)",
          "%p then %p", (const void *)v1, (const void *)v2);
}

static void test_free_null(void)
{
    resolver_free_string(NULL); /* must simply return */
    check(1, "resolver_free_string(NULL) is a no-op", "");
}

static void test_basic_plan(const char *fixtures)
{
    const char *name = "01_basic: plan";
    char *dir = path_join(fixtures, "01_basic/input");
    char *config = config_for(dir, "");
    json_value *doc = plan_json(name, config);
    if (doc != NULL) {
        const json_value *reuse = json_get(doc, "reuse");
        const json_value *to_build = json_get(doc, "to_build");
        const json_value *nodes = json_get(doc, "plan");
        const json_value *schema = json_get(doc, "schema_version");
        const char *run_id = json_str(json_get(doc, "run_id"));
        const json_value *err = json_get(doc, "error");
        check(err == NULL && schema != NULL && schema->kind == JSON_NUMBER && schema->number == 1,
              "01_basic: result is a plan (schema_version 1, no error)", "error: %s",
              err ? json_str(json_get(err, "message")) : "schema_version missing or not 1");
        check(run_id != NULL && strcmp(run_id, RUN_ID) == 0, "01_basic: run_id is the fixed one",
              "got %s", run_id ? run_id : "(none)");
        check(json_array_len(reuse) == 2 && entry_is(reuse, 0, "purepkg", "1.0.0", NULL)
                  && entry_is(reuse, 1, "s390pkg", "3.1.4", NULL),
              "01_basic: reuse is [purepkg 1.0.0, s390pkg 3.1.4]", "reuse has %ld entries",
              (long)json_array_len(reuse));
        check(json_array_len(to_build) == 1
                  && entry_is(to_build, 0, "nativepkg", "2.0.0", "incompatible wheel"),
              "01_basic: to_build is [nativepkg 2.0.0 \"incompatible wheel\"]",
              "to_build has %ld entries", (long)json_array_len(to_build));
        check(json_array_len(nodes) == 3 && entry_is(nodes, 0, "purepkg", "1.0.0", NULL)
                  && entry_is(nodes, 1, "s390pkg", "3.1.4", NULL)
                  && entry_is(nodes, 2, "nativepkg", "2.0.0", NULL),
              "01_basic: plan lists reuse entries, then to_build entries",
              "plan has %ld entries", (long)json_array_len(nodes));
        json_free(doc);
    }
    free(config);
    free(dir);
}

static void test_invalid_wheels(const char *fixtures)
{
    const char *name = "28_invalid_inputs: invalid_wheel naming both bad files";
    char *dir = path_join(fixtures, "28_invalid_inputs_fail_clearly/input");
    char *config = config_for(dir, "");
    json_value *doc = plan_json(name, config);
    if (doc != NULL) {
        const char *message = expect_error(name, doc, "invalid_wheel");
        if (message != NULL) {
            int a = error_mentions(doc, "not-a-wheel.whl");
            int b = error_mentions(doc, "broken-1.0-py3-none-any.whl");
            int good = error_mentions(doc, "purepkg-1.0.0-py3-none-any.whl");
            check(a && b && !good, name,
                  "not-a-wheel.whl %s, broken-1.0-py3-none-any.whl %s, the valid "
                  "purepkg wheel %s (message: %s)",
                  a ? "named" : "NOT named", b ? "named" : "NOT named",
                  good ? "WRONGLY named" : "not named", message);
        }
        json_free(doc);
    }
    free(config);
    free(dir);
}

/* One error-envelope check: `config` must give error `code`, and when
 * `mention` is non-NULL the message or details must contain it. */
static void expect_envelope(const char *name, const char *config, const char *code,
                            const char *mention)
{
    json_value *doc = plan_json(name, config);
    if (doc != NULL) {
        const char *message = expect_error(name, doc, code);
        if (message != NULL) {
            if (mention == NULL) {
                check(1, name, "");
            } else {
                check(strstr(message, mention) != NULL, name,
                      "message does not name \"%s\": %s", mention, message);
            }
        }
        json_free(doc);
    }
}

static void test_error_envelopes(const char *fixtures)
{
    char *dir = path_join(fixtures, "01_basic/input");
    char *missing = path_join(fixtures, "01_basic/no-such-input-dir");
    char *unknown = config_for(dir, ",\"no_such_option\":true");
    char *missing_config = config_for(missing, "");
    static const char not_utf8[] = "{\"input_dir\":\"\xff\xfe\",\"target_python\":\"3.11\"}";

    expect_envelope("NULL config -> invalid_config", NULL, "invalid_config", NULL);
    expect_envelope("\"not json\" -> invalid_config", "not json", "invalid_config", NULL);
    expect_envelope("invalid UTF-8 -> invalid_config", not_utf8, "invalid_config", NULL);
    expect_envelope("unknown field -> invalid_config naming the field", unknown, "invalid_config",
                    "no_such_option");
    expect_envelope("missing input_dir -> input_not_found", missing_config, "input_not_found",
                    NULL);

    free(missing_config);
    free(unknown);
    free(missing);
    free(dir);
}

typedef struct {
    const char *config;
    const char *expected;
    int iterations;
    int mismatches; /* results that differ from `expected` (or are NULL) */
} worker_args;

static void *worker(void *arg)
{
    worker_args *w = arg;
    int i;
    for (i = 0; i < w->iterations; i++) {
        char *raw = resolver_compute_plan(w->config);
        if (raw == NULL || strcmp(raw, w->expected) != 0) {
            w->mismatches++;
        }
        resolver_free_string(raw);
    }
    return NULL;
}

static void test_concurrency(const char *fixtures, int iterations)
{
    char name[128];
    char *dir = path_join(fixtures, "01_basic/input");
    char *config = config_for(dir, "");
    char *reference = resolver_compute_plan(config);
    json_value *parsed = json_parse(reference);
    pthread_t threads[THREADS];
    worker_args args[THREADS];
    int started = 0, mismatches = 0, i;

    snprintf(name, sizeof name,
             "%d threads x %d calls on 01_basic are byte-identical to a single-threaded call",
             THREADS, iterations);
    if (parsed == NULL || json_get(parsed, "reuse") == NULL || json_get(parsed, "error") != NULL) {
        check(0, name, "the single-threaded reference call failed: %s",
              reference ? reference : "NULL");
    } else {
        for (i = 0; i < THREADS; i++) {
            int rc;
            args[i].config = config;
            args[i].expected = reference;
            args[i].iterations = iterations;
            args[i].mismatches = 0;
            rc = pthread_create(&threads[i], NULL, worker, &args[i]);
            if (rc != 0) {
                fprintf(stderr, "harness: pthread_create: %s\n", strerror(rc));
                break;
            }
            started++;
        }
        for (i = 0; i < started; i++) {
            pthread_join(threads[i], NULL);
            mismatches += args[i].mismatches;
        }
        check(started == THREADS && mismatches == 0, name,
              "%d of %d threads started, %d of %d results differ", started, THREADS,
              mismatches, started * iterations);
    }
    json_free(parsed);
    resolver_free_string(reference);
    free(config);
    free(dir);
}

/* Starts scripts/index_test_server.py serving `dir`; returns its pid and
 * sets *port, or returns -1. */
static pid_t start_server(const char *script, const char *dir, int *port)
{
    int fds[2];
    pid_t pid;
    FILE *f;
    char line[64];
    if (pipe(fds) != 0) {
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("python3", "python3", script, dir, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    if (f == NULL || fgets(line, sizeof line, f) == NULL || sscanf(line, "PORT %d", port) != 1) {
        if (f != NULL) {
            fclose(f);
        } else {
            close(fds[0]);
        }
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return -1;
    }
    fclose(f);
    return pid;
}

/* Calls resolver_fetch_wheels and parses the result (NULL: a failure was
 * recorded). */
static json_value *fetch_json(const char *name, const char *request)
{
    char *raw = resolver_fetch_wheels(request);
    json_value *doc;
    if (raw == NULL) {
        check(0, name, "resolver_fetch_wheels returned NULL");
        return NULL;
    }
    doc = json_parse(raw);
    if (doc == NULL || doc->kind != JSON_OBJECT) {
        check(0, name, "result is not a JSON object: %.300s", raw);
        json_free(doc);
        doc = NULL;
    }
    resolver_free_string(raw);
    return doc;
}

static const char *first_file_field(const json_value *doc, const char *key)
{
    return json_str(json_get(json_at(json_get(doc, "files"), 0), key));
}

#define FETCH_WHEEL "x-1.0-py3-none-any.whl"
#define FETCH_BODY "not really a wheel, but bytes to download"

static void test_fetch_wheels(const char *fixtures)
{
    char tmpl[] = "/tmp/harness-fetch-XXXXXX";
    char *root = mkdtemp(tmpl);
    char *script = path_join(fixtures, "../../scripts/index_test_server.py");
    char *files = NULL, *wheel = NULL, *dest = NULL, *got = NULL, *request = NULL;
    char entry[1024], sha[65] = "", *prefix = NULL;
    json_value *doc;
    FILE *f;
    int port = 0;
    pid_t pid = -1;
    size_t n;

    if (root == NULL) {
        check(0, "resolver_fetch_wheels: temporary directory", "%s", strerror(errno));
        free(script);
        return;
    }
    files = path_join(root, "files");
    wheel = path_join(files, FETCH_WHEEL);
    dest = path_join(root, "dest");
    got = path_join(dest, FETCH_WHEEL);
    mkdir(files, 0700);
    f = fopen(wheel, "w");
    if (f != NULL) {
        fputs(FETCH_BODY, f);
        fclose(f);
    }
    pid = start_server(script, root, &port);
    check(pid > 0, "resolver_fetch_wheels: loopback index server started", "could not start %s",
          script);
    if (pid > 0) {
        /* {"config":{"index":{...}},"dest_dir":"DEST","fetch":[...]} */
        snprintf(entry, sizeof entry,
                 ",\"config\":{\"index\":{\"index_url\":\"http://127.0.0.1:%d/simple/\"}},"
                 "\"fetch\":[{\"name\":\"x\",\"version\":\"1.0\",\"file\":\"" FETCH_WHEEL
                 "\",\"url\":\"http://127.0.0.1:%d/files/" FETCH_WHEEL "\"%%s}]}",
                 port, port);
        prefix = json_wrap("{\"dest_dir\":", dest, entry);
        /* 1: no sha256 given: downloaded, not verified, sha256 reported. */
        n = strlen(prefix) + 128;
        request = xmalloc(n);
        snprintf(request, n, prefix, "");
        doc = fetch_json("resolver_fetch_wheels downloads a file", request);
        if (doc != NULL) {
            const char *status = first_file_field(doc, "status");
            const char *h = first_file_field(doc, "sha256");
            const json_value *bytes = json_get(json_at(json_get(doc, "files"), 0), "bytes");
            struct stat st;
            int ok = status != NULL && strcmp(status, "downloaded") == 0 && h != NULL &&
                     strlen(h) == 64 && bytes != NULL && bytes->kind == JSON_NUMBER &&
                     (size_t)bytes->number == strlen(FETCH_BODY) && stat(got, &st) == 0 &&
                     (size_t)st.st_size == strlen(FETCH_BODY);
            if (h != NULL && strlen(h) == 64) {
                memcpy(sha, h, 65);
            }
            check(ok, "resolver_fetch_wheels downloads a file", "status %s, sha256 %s",
                  status ? status : "?", h ? h : "?");
            json_free(doc);
        }
        /* 2: with the right sha256: present. */
        snprintf(entry, sizeof entry, ",\"sha256\":\"%s\"", sha);
        snprintf(request, n, prefix, entry);
        doc = fetch_json("resolver_fetch_wheels: a file already there is present", request);
        if (doc != NULL) {
            const char *status = first_file_field(doc, "status");
            check(status != NULL && strcmp(status, "present") == 0,
                  "resolver_fetch_wheels: a file already there is present", "status %s",
                  status ? status : "?");
            json_free(doc);
        }
        /* 3: a wrong sha256: failed, index_error, nothing kept. */
        unlink(got);
        snprintf(entry, sizeof entry, ",\"sha256\":\"%064d\"", 0);
        snprintf(request, n, prefix, entry);
        doc = fetch_json("resolver_fetch_wheels: a sha256 mismatch fails that file", request);
        if (doc != NULL) {
            const char *status = first_file_field(doc, "status");
            const char *code = json_str(
                json_get(json_get(json_at(json_get(doc, "files"), 0), "error"), "code"));
            struct stat st;
            check(status != NULL && strcmp(status, "failed") == 0 && code != NULL &&
                      strcmp(code, "index_error") == 0 && stat(got, &st) != 0,
                  "resolver_fetch_wheels: a sha256 mismatch fails that file", "status %s, code %s",
                  status ? status : "?", code ? code : "?");
            json_free(doc);
        }
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    doc = fetch_json("resolver_fetch_wheels(NULL) -> invalid_config", NULL);
    if (doc != NULL) {
        if (expect_error("resolver_fetch_wheels(NULL) -> invalid_config", doc, "invalid_config")) {
            check(1, "resolver_fetch_wheels(NULL) -> invalid_config", "");
        }
        json_free(doc);
    }
    doc = fetch_json("resolver_fetch_wheels(\"not json\") -> invalid_config", "not json");
    if (doc != NULL) {
        if (expect_error("resolver_fetch_wheels(\"not json\") -> invalid_config", doc,
                         "invalid_config")) {
            check(1, "resolver_fetch_wheels(\"not json\") -> invalid_config", "");
        }
        json_free(doc);
    }
    unlink(got);
    unlink(wheel);
    rmdir(dest);
    rmdir(files);
    rmdir(root);
    free(request);
    free(prefix);
    free(got);
    free(dest);
    free(wheel);
    free(files);
    free(script);
}

/* A loopback TCP server that accepts connections and never answers. */
typedef struct {
    int listener;
    int held[16];
    int n_held;
} silent_server;

static void *silent_accept(void *arg)
{
    silent_server *srv = arg;
    for (;;) {
        int c = accept(srv->listener, NULL, NULL);
        if (c < 0) {
            return NULL; /* the listener was shut down */
        }
        if (srv->n_held < 16) {
            srv->held[srv->n_held++] = c;
        } else {
            close(c);
        }
    }
}

typedef struct {
    ResolverCancel *handle;
    int delay_ms;
} canceller_args;

static void *canceller(void *arg)
{
    canceller_args *a = arg;
    struct timespec ts;
    ts.tv_sec = a->delay_ms / 1000;
    ts.tv_nsec = (long)(a->delay_ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
    resolver_cancel(a->handle);
    return NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses a result, checks it is the `code` envelope, frees it. */
static void expect_result_code(const char *name, char *raw, const char *code)
{
    json_value *doc;
    if (raw == NULL) {
        check(0, name, "returned NULL");
        return;
    }
    doc = json_parse(raw);
    resolver_free_string(raw);
    if (doc == NULL) {
        check(0, name, "result is not JSON");
        return;
    }
    if (expect_error(name, doc, code) != NULL) {
        check(1, name, "");
    }
    json_free(doc);
}

static void test_cancel(const char *fixtures)
{
    char *dir = path_join(fixtures, "01_basic/input");
    char *config = config_for(dir, "");
    char *reference = resolver_compute_plan(config);
    ResolverCancel *handle = resolver_cancel_new();
    char *raw;

    check(handle != NULL, "resolver_cancel_new() is not NULL", "got NULL");
    if (handle == NULL) {
        resolver_free_string(reference);
        free(config);
        free(dir);
        return;
    }
    raw = resolver_compute_plan_cancellable(config, handle);
    check(raw != NULL && reference != NULL && strcmp(raw, reference) == 0,
          "resolver_compute_plan_cancellable with a live handle equals resolver_compute_plan",
          "got %.200s", raw ? raw : "NULL");
    resolver_free_string(raw);
    raw = resolver_compute_plan_cancellable(config, NULL);
    check(raw != NULL && reference != NULL && strcmp(raw, reference) == 0,
          "resolver_compute_plan_cancellable with a NULL handle equals resolver_compute_plan",
          "got %.200s", raw ? raw : "NULL");
    resolver_free_string(raw);

    resolver_cancel(handle);
    resolver_cancel(handle); /* idempotent */
    resolver_cancel(NULL);   /* no-op */
    expect_result_code("a cancelled handle -> cancelled",
                       resolver_compute_plan_cancellable(config, handle), "cancelled");
    expect_result_code("NULL config with a cancelled handle -> invalid_config",
                       resolver_compute_plan_cancellable(NULL, handle), "invalid_config");
    resolver_cancel_free(handle);
    resolver_cancel_free(NULL); /* no-op */
    resolver_free_string(reference);
    free(config);
    free(dir);
}

/* A call waiting on an index that never answers (30 s per request) is
 * cancelled from another thread after 300 ms and returns long before. */
static void test_cancel_stalled_index(const char *fixtures)
{
    const char *name = "resolver_cancel from another thread stops a call stalled on the index";
    silent_server srv;
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    pthread_t acceptor, cancel_thread;
    canceller_args cargs;
    char extra[256];
    char *dir, *config, *raw;
    double started, took;
    int i;

    memset(&srv, 0, sizeof srv);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.listener = socket(AF_INET, SOCK_STREAM, 0);
    if (srv.listener < 0 || bind(srv.listener, (struct sockaddr *)&addr, sizeof addr) != 0
        || listen(srv.listener, 16) != 0
        || getsockname(srv.listener, (struct sockaddr *)&addr, &len) != 0) {
        check(0, name, "no loopback listener: %s", strerror(errno));
        if (srv.listener >= 0) {
            close(srv.listener);
        }
        return;
    }
    if (pthread_create(&acceptor, NULL, silent_accept, &srv) != 0) {
        check(0, name, "pthread_create failed");
        close(srv.listener);
        return;
    }
    snprintf(extra, sizeof extra,
             ",\"fallback_latest\":true,\"index\":{\"index_url\":\"http://127.0.0.1:%d/simple\","
             "\"timeout_seconds\":30}",
             (int)ntohs(addr.sin_port));
    dir = path_join(fixtures, "44_index_down_fails_clearly/input");
    config = config_for(dir, extra);
    cargs.handle = resolver_cancel_new();
    cargs.delay_ms = 300;
    started = now_seconds();
    if (pthread_create(&cancel_thread, NULL, canceller, &cargs) != 0) {
        check(0, name, "pthread_create failed");
    } else {
        raw = resolver_compute_plan_cancellable(config, cargs.handle);
        took = now_seconds() - started;
        pthread_join(cancel_thread, NULL);
        expect_result_code(name, raw, "cancelled");
        check(took < 10.0, "the cancelled call returned well before the 30 s index timeout",
              "took %.1f s", took);
    }
    resolver_cancel_free(cargs.handle);
    shutdown(srv.listener, SHUT_RDWR);
    pthread_join(acceptor, NULL);
    close(srv.listener);
    for (i = 0; i < srv.n_held; i++) {
        close(srv.held[i]);
    }
    free(config);
    free(dir);
}

static void usage(void)
{
    fprintf(stderr, "usage: harness [--iterations N] FIXTURES_DIR EXPECTED_VERSION\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int iterations = DEFAULT_ITERATIONS;
    int argi = 1;
    char *fixtures;

    if (argc - argi >= 2 && strcmp(argv[argi], "--iterations") == 0) {
        char *end;
        long n;
        errno = 0;
        n = strtol(argv[argi + 1], &end, 10);
        if (errno != 0 || *end != '\0' || n < 1 || n > 100000) {
            usage();
        }
        iterations = (int)n;
        argi += 2;
    }
    if (argc - argi != 2) {
        usage();
    }
    fixtures = realpath(argv[argi], NULL);
    if (fixtures == NULL) {
        fprintf(stderr, "harness: %s: %s\n", argv[argi], strerror(errno));
        return 2;
    }

    test_version(argv[argi + 1]);
    test_free_null();
    test_basic_plan(fixtures);
    test_invalid_wheels(fixtures);
    test_error_envelopes(fixtures);
    test_concurrency(fixtures, iterations);
    test_cancel(fixtures);
    test_cancel_stalled_index(fixtures);
    test_fetch_wheels(fixtures);

    free(fixtures);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
