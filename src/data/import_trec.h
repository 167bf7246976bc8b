#ifndef RB_IMPORT_TREC_H
#define RB_IMPORT_TREC_H

/*
 * Conversion of a TREC-style collection into a BEIR folder: topics
 * (classic SGML <top> blocks, XML <topic number="..."> elements, or
 * "qid<TAB>text" lines), TREC qrels ("qid iter docno grade") and
 * documents as JSONL or TREC SGML (<DOC><DOCNO>..</DOCNO>..</DOC>), plain
 * or gzip-compressed.
 *
 * The folder is built beside its final place and renamed into it once
 * complete, so a failed import leaves nothing behind.
 */

#include <stddef.h>

#include "base/error.h"

typedef enum rb_docs_format {
    RB_DOCS_AUTO,       /* by each file's first character: { or < */
    RB_DOCS_JSONL,
    RB_DOCS_TREC
} rb_docs_format;

typedef enum rb_text_encoding {
    RB_ENCODING_AUTO,   /* UTF-8; a document that is not is read as
                         * Latin-1 (old TREC collections are) */
    RB_ENCODING_UTF8,   /* invalid UTF-8 is an error */
    RB_ENCODING_LATIN1  /* every byte is a Latin-1 character */
} rb_text_encoding;

typedef struct rb_import_trec_options {
    const char *topics;
    const char *qrels;
    const char *const *docs;    /* files or folders (read recursively,
                                 * in name order) */
    size_t ndocs;
    const char *out;            /* the BEIR folder to create */
    const char *split;          /* qrels split name; NULL means "test" */
    /* Topic fields forming the query text, joined by "+": title,
     * description, narrative. NULL means "title". */
    const char *query_fields;
    rb_docs_format format;
    rb_text_encoding encoding;
    int force;                  /* replace an existing out folder */
} rb_import_trec_options;

typedef struct rb_import_trec_summary {
    size_t documents;
    size_t doc_files;
    size_t docs_latin1;         /* documents read as Latin-1 */
    size_t topics;
    size_t topics_empty;        /* topics whose query text is empty */
    size_t judgments;
    size_t unknown_topic_judgments;
    size_t unknown_doc_judgments;
} rb_import_trec_summary;

/* Build opt->out from the TREC files. Bad input is an error naming the
 * file and line. Returns 0 and fills sum, or -1 with err set. */
int rb_import_trec(const rb_import_trec_options *opt,
                   rb_import_trec_summary *sum, rb_error *err);

#endif
