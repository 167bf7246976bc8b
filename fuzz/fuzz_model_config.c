/* fuzz-needs: src/encoder/model.c */
/* fuzz-needs: tests/tiny_model.h */
/* Fuzz the model folder's JSON files. A tiny valid checkpoint is written
 * once; for each input one of its files (picked by the first byte, which
 * is not part of the input) is replaced: config.json,
 * tokenizer_config.json, modules.json, 1_Pooling/config.json or
 * sentence_bert_config.json. The model loads and describes itself, or is
 * refused with a message. */

#include "../tests/tiny_model.h"
#include "encoder/model.h"
#include "fuzz_util.h"

static const char *const files[] = {
    "config.json", "tokenizer_config.json", "modules.json",
    "1_Pooling/config.json", "sentence_bert_config.json",
};
static char model_dir[600];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    tiny_spec spec;

    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    snprintf(model_dir, sizeof model_dir, "%s/model", fuzz_dir());
    tiny_spec_init(&spec, "");
    FUZZ_ASSERT(tiny_write_model(model_dir, &spec) == 0);
    fuzz_mkdir("model/1_Pooling");
    return 0;
}

/* Put back the files of the unchanged checkpoint. */
static void restore(void)
{
    char path[700];
    size_t i;

    FUZZ_ASSERT(tiny_write_text(model_dir, "config.json", TINY_CONFIG) == 0);
    FUZZ_ASSERT(tiny_write_text(model_dir, "tokenizer_config.json",
                                "{\"do_lower_case\": true}\n") == 0);
    for (i = 2; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", model_dir, files[i]);
        unlink(path);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned which = size ? data[0] % 5 : 0;
    rb_error err = {0};
    char name[64];
    rb_model *m;

    if (size) {
        data++;
        size--;
    }
    restore();
    snprintf(name, sizeof name, "model/%s", files[which]);
    fuzz_write(name, data, size);
    m = rb_model_load(model_dir, &err);
    if (m) {
        json_t *d = rb_model_describe(m);

        FUZZ_ASSERT(d != NULL);
        json_decref(d);
        rb_model_free(m);
    } else {
        FUZZ_ASSERT(err.set && err.msg[0] != '\0');
    }
    return 0;
}
