/* Faults with a real server: a server killed before or during a search
 * makes the search fail with an error naming the retriever and the query
 * (no hang, no crash); failed connections name host and port and never
 * the password. */

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "base/timer.h"
#include "data/run.h"
#include "pg_test.h"
#include "retrieve/retriever.h"

extern const rb_retriever_ops rb_pg_ilike_retriever;
extern const rb_retriever_ops rb_pg_bm25_retriever;
extern const rb_retriever_ops rb_pg_fts_retriever;

#define NDOCS 200
#define NQUERIES 20000

static pg_test_doc docs[NDOCS];
static pg_test_query queries[NQUERIES];
static char doc_text[NDOCS][64], doc_id[NDOCS][16];
static char query_text[NQUERIES][32], query_id[NQUERIES][16];

static const char *const words[] = {
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
    "hotel", "india", "juliett", "kilo", "lima", "mike", "november",
};
#define NWORDS (sizeof words / sizeof words[0])

static void make_collection(void)
{
    size_t i;

    for (i = 0; i < NDOCS; i++) {
        snprintf(doc_id[i], sizeof doc_id[i], "d%zu", i);
        snprintf(doc_text[i], sizeof doc_text[i], "%s %s %s",
                 words[i % NWORDS], words[(i / 3) % NWORDS],
                 words[(i / 7) % NWORDS]);
        docs[i].id = doc_id[i];
        docs[i].title = "";
        docs[i].text = doc_text[i];
    }
    for (i = 0; i < NQUERIES; i++) {
        snprintf(query_id[i], sizeof query_id[i], "q%zu", i);
        snprintf(query_text[i], sizeof query_text[i], "%s %s",
                 words[i % NWORDS], words[(i / 5) % NWORDS]);
        queries[i].id = query_id[i];
        queries[i].text = query_text[i];
    }
}

typedef struct killer {
    pid_t server;
    double delay_s;
} killer;

static void *kill_later(void *arg)
{
    killer *k = arg;

    usleep((useconds_t)(k->delay_s * 1e6));
    kill(-k->server, SIGKILL);
    return NULL;
}

/* Index on a fresh cluster, kill the server (at once, or delay_s into
 * the search), and check how the search fails. */
static void check_killed_server(const rb_retriever_ops *ops, double delay_s)
{
    rb_pg_temp *t = pg_test_start();
    rb_dataset *ds = pg_test_dataset("fault", docs, NDOCS, queries,
                                     delay_s > 0 ? NQUERIES : 50);
    rb_run *run = rb_run_new_borrowed(ops->name, ds->doc_ids);
    rb_error err = {{0}, 0};
    rb_context ctx;
    void *state = NULL;
    pthread_t thread;
    killer k;
    double start;
    char expect[64];
    int rc;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 2;
    ctx.pg_conninfo = rb_pg_temp_conninfo(t);
    rc = ops->create(NULL, &ctx, &state, &err);
    if (rc == 0)
        rc = ops->index(state, ds, &ctx, &err);
    CHECK(rc == 0);
    k.server = rb_pg_temp_server_pid(t);
    k.delay_s = delay_s;
    if (delay_s > 0) {
        CHECK(pthread_create(&thread, NULL, kill_later, &k) == 0);
    } else {
        kill(-k.server, SIGKILL);
        usleep(200000);
    }
    start = rb_now();
    if (rc == 0)
        rc = ops->search(state, ds, &ctx, 10, run, &err);
    if (delay_s > 0)
        pthread_join(thread, NULL);
    CHECK(rc != 0);
    snprintf(expect, sizeof expect, "%s: query \"q", ops->name);
    CHECK(strstr(err.msg, expect) == err.msg);
    CHECK(strstr(err.msg, "connection") != NULL ||
          strstr(err.msg, "server closed") != NULL ||
          strstr(err.msg, "terminat") != NULL);
    if (delay_s == 0)
        CHECK(strstr(err.msg, "query \"q0\"") != NULL ||
              strstr(err.msg, "query \"q1\"") != NULL);
    /* Failing took no longer than a couple of timeouts. */
    CHECK(rb_now() - start < 30.0);
    fprintf(stderr, "(%s) %s\n", ops->name, err.msg);
    if (state)
        ops->destroy(state);
    rb_run_free(run);
    pg_test_dataset_free(ds);
    rb_pg_temp_stop(t);
}

static void test_pg_bm25_server_killed_before_search(void)
{
    check_killed_server(&rb_pg_bm25_retriever, 0);
}

static void test_pg_bm25_server_killed_during_search(void)
{
    check_killed_server(&rb_pg_bm25_retriever, 0.3);
}

static void test_pg_ilike_server_killed_during_search(void)
{
    check_killed_server(&rb_pg_ilike_retriever, 0.3);
}

static void test_pg_fts_server_killed_during_search(void)
{
    check_killed_server(&rb_pg_fts_retriever, 0.3);
}

static void test_connection_failure_names_host_port_not_password(void)
{
    const rb_retriever_ops *ops = &rb_pg_bm25_retriever;
    rb_dataset *ds = pg_test_dataset("nowhere", docs, 3, queries, 1);
    rb_error err = {{0}, 0};
    rb_context ctx;
    void *state = NULL;

    memset(&ctx, 0, sizeof ctx);
    ctx.threads = 1;
    ctx.pg_conninfo = "host=/nonexistent/socket/dir port=6543 user=x "
                      "password=hunter2secret connect_timeout=5";
    CHECK(ops->create(NULL, &ctx, &state, &err) == 0);
    CHECK(ops->index(state, ds, &ctx, &err) != 0);
    CHECK(strstr(err.msg, "pg-bm25") != NULL);
    CHECK(strstr(err.msg, "host \"/nonexistent/socket/dir\"") != NULL);
    CHECK(strstr(err.msg, "port \"6543\"") != NULL);
    CHECK(strstr(err.msg, "hunter2secret") == NULL);
    ops->destroy(state);

    /* A malformed string is not echoed either. */
    rb_error_clear(&err);
    ctx.pg_conninfo = "host=x password=hunter2secret bogus";
    CHECK(ops->create(NULL, &ctx, &state, &err) == 0);
    CHECK(ops->index(state, ds, &ctx, &err) != 0);
    CHECK(strstr(err.msg, "invalid PostgreSQL connection string") != NULL);
    CHECK(strstr(err.msg, "hunter2secret") == NULL);
    ops->destroy(state);

    /* Nor is a URL's password. */
    rb_error_clear(&err);
    ctx.pg_conninfo = "postgresql://x:hunter2secret@%2Fnonexistent:6543/db"
                      "?connect_timeout=5";
    CHECK(ops->create(NULL, &ctx, &state, &err) == 0);
    CHECK(ops->index(state, ds, &ctx, &err) != 0);
    CHECK(strstr(err.msg, "port \"6543\"") != NULL);
    CHECK(strstr(err.msg, "hunter2secret") == NULL);
    ops->destroy(state);
    pg_test_dataset_free(ds);
}

int main(void)
{
    make_collection();
    RUN_TEST(test_connection_failure_names_host_port_not_password);
    RUN_TEST(test_pg_bm25_server_killed_before_search);
    RUN_TEST(test_pg_bm25_server_killed_during_search);
    RUN_TEST(test_pg_ilike_server_killed_during_search);
    RUN_TEST(test_pg_fts_server_killed_during_search);
    return check_report();
}
