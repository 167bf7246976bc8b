#include <string.h>

#include "retrieve/retriever.h"

/*
 * The retrievers compiled in. Each engine defines its ops table in its own
 * file; the references are weak so that a build without an engine's file
 * simply lacks it.
 */
#define RB_RETRIEVER(sym) \
    extern const rb_retriever_ops sym __attribute__((weak))

RB_RETRIEVER(rb_ilike_retriever);
RB_RETRIEVER(rb_bm25_retriever);
RB_RETRIEVER(rb_pg_ilike_retriever);
RB_RETRIEVER(rb_pg_bm25_retriever);
RB_RETRIEVER(rb_pg_fts_retriever);
RB_RETRIEVER(rb_dense_retriever);
RB_RETRIEVER(rb_hybrid_retriever);

#undef RB_RETRIEVER

const rb_retriever_ops *const *rb_retrievers_all(void)
{
    static const rb_retriever_ops *table[8];
    const rb_retriever_ops *candidates[] = {
        &rb_ilike_retriever, &rb_bm25_retriever, &rb_pg_ilike_retriever,
        &rb_pg_bm25_retriever, &rb_pg_fts_retriever, &rb_dense_retriever,
        &rb_hybrid_retriever,
    };
    size_t i, n = 0;

    if (!table[0]) {
        for (i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
            if (candidates[i])
                table[n++] = candidates[i];
        table[n] = NULL;
    }
    return table;
}

const rb_retriever_ops *rb_retriever_find(const char *name)
{
    const rb_retriever_ops *const *all = rb_retrievers_all();
    size_t i;

    for (i = 0; all[i]; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

int rb_retriever_check_params(const rb_retriever_ops *ops,
                              const json_t *params, rb_error *err)
{
    const char *key;
    json_t *value;

    if (!params)
        return 0;
    if (!json_is_object(params))
        return rb_error_set(err, "parameters of \"%s\" must be an object",
                            ops->name);
    json_object_foreach((json_t *)params, key, value) {
        size_t i;
        int known = 0;

        (void)value;
        for (i = 0; ops->params && ops->params[i]; i++)
            if (strcmp(ops->params[i], key) == 0)
                known = 1;
        if (!known) {
            char list[512] = "";

            for (i = 0; ops->params && ops->params[i]; i++) {
                if (i)
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, ops->params[i], sizeof list - strlen(list) - 1);
            }
            return rb_error_set(err, "unknown parameter \"%s\" for "
                                "retriever \"%s\" (known: %s)", key,
                                ops->name, list[0] ? list : "none");
        }
    }
    return 0;
}
