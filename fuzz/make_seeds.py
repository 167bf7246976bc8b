#!/usr/bin/env python3
"""Write seed inputs for the fuzz targets: OUT/NAME/... for each target.

Seeds come from the bundled sample dataset, from ../shared when it is
present (read at run time; nothing from it is stored in the repository),
and from small hand-made cases at the edges of each format. The loader
targets take one leading byte of options, so their seeds carry one.

    make_seeds.py OUT [SOURCE_DIR [SHARED_DIR]]
"""

import glob
import gzip
import io
import json
import os
import struct
import subprocess
import sys
import warnings
import zipfile


def head(path, n):
    """The first n lines of a text file, or [] when it is absent."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            lines = []
            for line in f:
                lines.append(line)
                if len(lines) == n:
                    break
            return lines
    except OSError:
        return []


class Seeds:
    def __init__(self, out):
        self.out = out
        self.count = 0

    def add(self, target, name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        folder = os.path.join(self.out, target)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        self.count += 1


def loader_seeds(seeds, target, name, text):
    """A loader seed in each option mode (strict, skip corpus)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    for opt in (0, 1, 2):
        seeds.add(target, "%s.%d" % (name, opt), bytes([opt]) + data)


def corpus_seeds(seeds, src):
    sample = head(os.path.join(src, "datasets/sample/corpus.jsonl"), 12)
    loader_seeds(seeds, "corpus", "sample", "".join(sample))
    loader_seeds(seeds, "corpus", "sample-crlf",
                 "".join(l.rstrip("\n") + "\r\n" for l in sample[:4]))
    loader_seeds(seeds, "corpus", "sample-gz",
                 gzip.compress("".join(sample[:6]).encode(), mtime=0))
    loader_seeds(seeds, "corpus", "edges", "".join([
        '{"_id": "d1", "title": null, "text": ""}\n',
        '\n   \n',
        '{"_id": "d2", "text": "caf\\u00e9 \\ud83d\\ude00", '
        '"metadata": {"url": "x", "n": [1, 2.5e3, true]}}\n',
        '{"_id": "q1", "title": "t", "text": "no newline at end"}',
    ]))
    # A line longer than the reader's 64 KiB chunk.
    loader_seeds(seeds, "corpus", "long-line",
                 '{"_id": "d1", "text": "%s"}\n{"_id": "d2", "text": "b"}\n'
                 % ("w " * 40000))


def queries_seeds(seeds, src):
    sample = head(os.path.join(src, "datasets/sample/queries.jsonl"), 8)
    loader_seeds(seeds, "queries", "sample",
                 '{"_id": "q1", "text": "solar"}\n' + "".join(sample))
    loader_seeds(seeds, "queries", "edges",
                 '{"_id": "q1", "text": "", "metadata": null}\n'
                 '{"_id": "q2", "text": "\\t tabs \\n newlines"}\n')


def beir_qrels_seeds(seeds, src):
    header = "query-id\tcorpus-id\tscore\n"
    loader_seeds(seeds, "beir_qrels", "good",
                 header + "q1\td1\t1\nq1\td2\t0\nq2\tq1\t2\n")
    loader_seeds(seeds, "beir_qrels", "edges",
                 header + "q1\td1\t-1\n\nq1\tnope\t+3\nq9\td1\t1\r\n")
    sample = head(os.path.join(src, "datasets/sample/qrels/test.tsv"), 10)
    loader_seeds(seeds, "beir_qrels", "sample", "".join(sample))


def trec_qrels_seeds(seeds, src, shared):
    seeds.add("trec_qrels", "small", "1 0 a 2\n1 0 b 0\n2 0 x -1\n")
    seeds.add("trec_qrels", "spaces", "  1\t0  a   2  \r\n\n3 Q0 b 1")
    seeds.add("trec_qrels", "beir",
              "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\n")
    for name in ("edge.qrels", "cranfield.qrels"):
        lines = head(os.path.join(shared, "golden", name), 40)
        if lines:
            seeds.add("trec_qrels", name, "".join(lines))


def trec_run_seeds(seeds, src, shared):
    seeds.add("trec_run", "small",
              "1 Q0 a 1 3.0 t\n1 Q0 b 2 2.0 t\n1 Q0 c 3 1 t\n"
              "2 Q0 y 1 1e-3 t\n3 Q0 2 1 -0.5 t\n")
    seeds.add("trec_run", "ties",
              "1 Q0 b 1 1 t\n1 Q0 a 2 1 t\n1 Q0 c 3 1 t\n1 Q0 d 4 1 t\n")
    seeds.add("trec_run", "formats",
              "1\tQ0\ta\t0\t1.7976931348623157e308\ttag\r\n"
              "1 Q0 b 9 -2.2250738585072014E-308 tag\n\n"
              "3 Q0 3 1 +0.1234567890123456789 tag")
    for name in ("edge.run", "cranfield-bm25-top100.run"):
        lines = head(os.path.join(shared, "golden", name), 60)
        if lines:
            seeds.add("trec_run", name, "".join(lines))


def results_doc():
    per_query = {"q1": {"map": 0.5, "ndcg_cut_10": 0.61, "num_ret": 10},
                 "q2": {"map": 0.25, "ndcg_cut_10": 0.4, "num_ret": 10}}
    return {
        "schema": "rankbench.results", "schema_version": 1,
        "tool": {"name": "rankbench", "version": "0.1.0", "commit": "x"},
        "created": "2026-01-01T00:00:00Z", "host": "h",
        "dataset": {"name": "sample", "path": "datasets/sample",
                    "split": "test", "fingerprint": "0" * 64,
                    "documents": 324, "queries": 48,
                    "evaluated_queries": 40},
        "config": {"k": 1000, "threads": 2, "ignore_identical_ids": True},
        "measures": ["num_q", "num_ret", "map", "ndcg_cut_10"],
        "retrievers": [{
            "name": "bm25", "config": {"k1": 0.9, "b": 0.4},
            "timings": {"index_s": 0.01, "search_s": 0.002},
            "run_file": "runs/bm25.trec", "dropped_identical": 0,
            "dropped_identical_relevant": 0,
            "metrics": {"num_q": 2, "num_ret": 20, "map": 0.375,
                        "ndcg_cut_10": 0.505},
            "per_query": per_query}],
        "comparisons": [],
    }


def results_seeds(seeds):
    doc = results_doc()
    seeds.add("results", "good", json.dumps(doc, indent=2))
    seeds.add("results", "compact", json.dumps(doc))
    doc["schema_version"] = 2
    seeds.add("results", "version2", json.dumps(doc))
    seeds.add("results", "minimal",
              '{"schema": "rankbench.results", "schema_version": 1, '
              '"retrievers": [{"name": "x", "metrics": {"map": 1e400}}]}')
    seeds.add("results", "notobject", "[1, 2, 3]\n")


def plot_results_seeds(seeds, src):
    doc = results_doc()
    seeds.add("plot_results", "one", json.dumps(doc))
    second = json.loads(json.dumps(doc["retrievers"][0]))
    second["name"] = "ilike"
    second["metrics"]["ndcg_cut_10"] = 0.3
    for q in second["per_query"].values():
        q["ndcg_cut_10"] = q["ndcg_cut_10"] / 2
    doc["retrievers"].append(second)
    for r in doc["retrievers"]:
        r["metrics"].update({"P_10": 0.2, "recall_100": 0.7,
                             "recall_10": 0.4, "recall_1000": 0.9})
        r["timings"].update({"queries_per_s": 900.0, "docs_per_s": 1e5})
    seeds.add("plot_results", "two", json.dumps(doc, indent=2))
    seeds.add("compare", "two", json.dumps(doc))
    doc["retrievers"].append(json.loads(json.dumps(second)))
    doc["retrievers"][-1]["name"] = "third"
    doc["retrievers"][-1]["per_query"]["q3"] = {"map": 0.1,
                                               "ndcg_cut_10": 1.0}
    seeds.add("compare", "three", json.dumps(doc))
    # Results from the chart tests' own generator, when it is present.
    gen = os.path.join(src, "tests", "make_results.py")
    if not os.path.exists(gen):
        return
    variants = [["--retrievers", "3", "--queries", "5"],
                ["--retrievers", "1", "--no-per-query"],
                ["--retrievers", "4", "--name-length", "30",
                 "--cutoffs", "1,10,100", "--no-timings"]]
    for i, extra in enumerate(variants):
        out = os.path.join(seeds.out, "gen-results-%d.json" % i)
        subprocess.run([sys.executable, gen, out] + extra, check=True)
        with open(out, "rb") as f:
            seeds.add("plot_results", "gen%d" % i, f.read())
        os.remove(out)


def zip_bytes(entries):
    """A zip archive of (name, data or None for a folder, mode) entries."""
    buf = io.BytesIO()
    warnings.simplefilter("ignore", UserWarning)    # duplicate names
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if data else \
                zipfile.ZIP_STORED
            info.external_attr = (mode or (0o40755 if data is None
                                           else 0o100644)) << 16
            z.writestr(info, data or b"")
    return buf.getvalue()


def unzip_seeds(seeds, src):
    corpus = "".join(head(os.path.join(src, "datasets/sample/corpus.jsonl"),
                          5)).encode()
    beir = [("sample/", None, 0), ("sample/corpus.jsonl", corpus, 0),
            ("sample/queries.jsonl", b'{"_id": "q1", "text": "x"}\n', 0),
            ("sample/qrels/", None, 0),
            ("sample/qrels/test.tsv",
             b"query-id\tcorpus-id\tscore\nq1\tdoc0001\t1\n", 0)]
    seeds.add("unzip", "beir", zip_bytes(beir))
    seeds.add("unzip", "macos", zip_bytes(
        beir[:2] + [("__MACOSX/sample/._corpus.jsonl", b"\0\5", 0)]))
    seeds.add("unzip", "dotdot", zip_bytes([("a/../../evil", b"x", 0)]))
    seeds.add("unzip", "absolute", zip_bytes([("/tmp/evil", b"x", 0)]))
    seeds.add("unzip", "backslash", zip_bytes([("a\\..\\evil", b"x", 0)]))
    seeds.add("unzip", "symlink",
              zip_bytes([("link", b"/etc/passwd", 0o120777)]))
    seeds.add("unzip", "duplicate",
              zip_bytes([("a", b"1", 0), ("a", b"2", 0)]))
    seeds.add("unzip", "ratio", zip_bytes([("big", b"\0" * (3 << 20), 0)]))
    seeds.add("unzip", "empty", zip_bytes([]))


def import_trec_seeds(seeds):
    topics = [
        "<top>\n<num> Number: 301\n<title> solar wind\n<desc> Description:"
        "\nparticles\n<narr> Narrative:\nrelevant\n</top>\n",
        '<topics>\n<topic number="301" type="web">\n<query>solar</query>\n'
        "<description>wind</description>\n</topic>\n</topics>\n",
        "301\tsolar wind\n302\tmoon\n",
    ]
    docs = [
        "<DOC>\n<DOCNO> D1 </DOCNO>\n<TEXT>\nsolar &amp; wind\n</TEXT>\n"
        "</DOC>\n<DOC><DOCNO>D2</DOCNO><TITLE>t</TITLE>text</DOC>\n",
        '{"_id": "D1", "title": "", "text": "solar"}\n'
        '{"_id": "D2", "text": "moon"}\n',
    ]
    qrels = ["301 0 D1 1\n301 0 D2 0\n302 0 D2 2\n", "301 Q0 D9 1\n"]
    n = 0
    for which, group in ((0, topics), (1, qrels), (2, docs)):
        for text in group:
            for mode in (0, 5, 13, 26):
                seeds.add("import_trec", "seed%02d" % n,
                          bytes([which + 3 * mode]) + text.encode())
                n += 1
    seeds.add("import_trec", "latin1",
              bytes([2 + 3 * 12]) + "<DOC><DOCNO>D1</DOCNO>caf\xe9"
              "</DOC>".encode("latin-1"))


def dataset_check_seeds(seeds, src):
    corpus = "".join(head(os.path.join(src, "datasets/sample/corpus.jsonl"),
                          6))
    for sel, text in ((0, corpus), (1, '{"_id": "q1", "text": "x"}\n'),
                      (2, "query-id\tcorpus-id\tscore\nq1\td1\t1\n"),
                      (3, "query-id\tcorpus-id\tscore\nq2\tnope\t-1\n"),
                      (0, '{"_id": "d1", "text": 1}\n{"_id": "d1"}\n')):
        for strict in (0, 4):
            seeds.add("dataset_check", "s%d-%d-%d" % (sel, strict, len(text)),
                      bytes([sel + strict]) + text.encode())


def gate_seeds(seeds, src):
    """Selector byte: 0 baseline, 1 results, 2 rules, 3 drop, 4 slowdown."""
    doc = results_doc()
    doc["dataset"]["fingerprint"] = "ab12"
    seeds.add("gate", "results-as-baseline", b"\0" + json.dumps(doc).encode())
    seeds.add("gate", "results", b"\1" + json.dumps(doc).encode())
    seeds.add("gate", "baseline", b"\0" + json.dumps({
        "schema": "rankbench.baseline", "schema_version": 1,
        "datasets": [{"name": "sample", "split": "test",
                      "fingerprint": "ab12", "retrievers": [
                          {"name": "bm25",
                           "metrics": {"map": 0.5, "ndcg_cut_10": 0.6},
                           "per_query": {"q1": {"map": 0.4}},
                           "timings": {"search_s": 0.2}}]}]}).encode())
    rules = os.path.join(src, "ci", "gate-rules.json")
    if os.path.exists(rules):
        with open(rules, "rb") as f:
            seeds.add("gate", "rules-ci", b"\2" + f.read())
    seeds.add("gate", "rules", b"\2" + json.dumps({
        "max_drop": {"ndcg_cut_10": 0.005, "*": 0},
        "max_drop_rel": {"recall_100": "1%"},
        "max_slowdown": {"search": 1.5}, "require_significance": True,
        "alpha": 0.05, "permutations": 500, "seed": 7,
        "timing_floor_s": 0.01}).encode())
    for i, spec in enumerate(["ndcg_cut_10=0.005", "1%", "0.01", "map=2%"]):
        seeds.add("gate", "drop%d" % i, bytes([3 + 5 * (i % 2)]) +
                  spec.encode())
    for i, spec in enumerate(["search=1.5", "index_s=2", "x=0"]):
        seeds.add("gate", "slow%d" % i, b"\4" + spec.encode())
    for path in sorted(glob.glob(os.path.join(src, "ci", "baselines",
                                              "*.json"))):
        with open(path, "rb") as f:
            seeds.add("gate", "ci-" + os.path.basename(path),
                      b"\0" + f.read())


def safetensors_bytes(tensors, metadata=None, pad=b""):
    """A safetensors file of (name, dtype, shape, raw bytes)."""
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode() + pad
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds(seeds):
    f32 = struct.pack("<6f", *range(6))
    good = [("a.weight", "F32", [2, 3], f32),
            ("b.bias", "F16", [3], b"\0\x3c" * 3),
            ("c", "BF16", [1, 1], b"\x80\x3f"),
            ("d", "I64", [1], struct.pack("<q", 7)),
            ("e", "F32", [0], b"")]
    seeds.add("safetensors", "good", safetensors_bytes(good,
                                                       {"format": "pt"}))
    seeds.add("safetensors", "padded", safetensors_bytes(good, pad=b"   "))
    seeds.add("safetensors", "truncated", safetensors_bytes(good)[:-5])
    seeds.add("safetensors", "bad-offsets", safetensors_bytes(
        [("a", "F32", [2, 2], f32)]))
    seeds.add("safetensors", "huge-header",
              struct.pack("<Q", 1 << 40) + b"{}")
    seeds.add("safetensors", "empty", struct.pack("<Q", 2) + b"{}")


def wordpiece_seeds(seeds, src, shared):
    vocab = head(os.path.join(shared, "models", "bert-base-uncased-vocab",
                              "vocab.txt"), 1200)
    specials = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"
    seeds.add("wordpiece", "vocab-small",
              b"\0" + (specials + "the\nwind\n##s\n").encode())
    seeds.add("wordpiece", "vocab-nomask",
              b"\2" + "[PAD]\n[UNK]\n[CLS]\n[SEP]\na\n".encode())
    seeds.add("wordpiece", "vocab-crlf",
              b"\4" + (specials.replace("\n", "\r\n") + "x\r\n").encode())
    if vocab:
        seeds.add("wordpiece", "vocab-bert", b"\0" + "".join(vocab).encode())
    texts = [json.loads(l)["text"] for l in
             head(os.path.join(src, "datasets/sample/queries.jsonl"), 6)]
    texts += ["unaffable caf\u00e9s", "\u4e2d\u6587 and \u00c9t\u00e9",
              "x" * 150, "a,b.c!d?e'f-g", "\u0000\u200b\ufeff tabs\t"]
    for i, t in enumerate(texts):
        seeds.add("wordpiece", "text%02d" % i,
                  bytes([1 + 2 * (i % 2)]) + t.encode())


def model_config_seeds(seeds):
    config = {"model_type": "bert", "vocab_size": 12, "hidden_size": 8,
              "num_hidden_layers": 1, "num_attention_heads": 2,
              "intermediate_size": 16, "max_position_embeddings": 16,
              "type_vocab_size": 2, "layer_norm_eps": 1e-12,
              "hidden_act": "gelu"}
    seeds.add("model_config", "config", b"\0" + json.dumps(config).encode())
    config.update({"hidden_act": "gelu_new", "num_attention_heads": 3})
    seeds.add("model_config", "config-bad", b"\0" +
              json.dumps(config).encode())
    seeds.add("model_config", "tokenizer", b"\1" + json.dumps(
        {"do_lower_case": False, "strip_accents": None,
         "unk_token": "[UNK]", "model_max_length": 512}).encode())
    seeds.add("model_config", "modules", b"\2" + json.dumps([
        {"idx": 0, "name": "0", "path": "",
         "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.models.Normalize"}]).encode())
    seeds.add("model_config", "pooling", b"\3" + json.dumps(
        {"word_embedding_dimension": 8, "pooling_mode_cls_token": False,
         "pooling_mode_mean_tokens": True,
         "pooling_mode_max_tokens": False}).encode())
    seeds.add("model_config", "sbert", b"\4" + json.dumps(
        {"max_seq_length": 12, "do_lower_case": True}).encode())


def probe_suite_seeds(seeds, src):
    lines = head(os.path.join(src, "eval", "probes", "general.jsonl"), 8)
    if lines:
        seeds.add("probe_suite", "general", "".join(lines))
    seeds.add("probe_suite", "edges", "".join([
        '{"id": "A", "text": "Paris is in [MASK].", "expected": "france"}\n',
        '{"id": "B", "text": "Tokyo is in Japan.", "target": "japan",'
        ' "tags": ["geo", "asia"]}\n',
        '\n# a comment?\n',
        '{"id": "C", "text": "no mask here", "expected": "x"}\n',
        '{"id": "A", "text": "[MASK] [MASK]", "expected": "twice"}\n',
        '{"text": "missing id [MASK]"}\n', '[1, 2]\n', '{oops\n']))


def run_config_seeds(seeds):
    seeds.add("run_config", "full", json.dumps({
        "datasets": ["datasets/sample",
                     {"path": "datasets/sample", "split": "dev"}],
        "retrievers": ["bm25", {"name": "bm25-b", "type": "bm25",
                                "k1": 0.9, "b": 0.4},
                       {"name": "hybrid", "fuse": ["bm25", "bm25-b"]}],
        "k": 100, "out": "results/x", "split": "test",
        "baseline": "bm25"}, indent=1))
    seeds.add("run_config", "small", '{"retrievers": ["ilike"], "k": 10}')
    seeds.add("run_config", "bad-types",
              '{"datasets": "x", "retrievers": {"a": 1}, "k": -1}')
    seeds.add("run_config", "empty", "{}")


def measure_spec_seeds(seeds):
    specs = ["map", "P.5,10", "ndcg_cut.10,100,1000", "recall.1000",
             "map_cut.5", "success.1,5,10", "all_trec", "official",
             "iprec_at_recall", "Rprec", "bpref", "gm_map", "ndcg",
             "recip_rank", "num_q", "num_rel_ret", "P.0", "P.",
             "P.1,1,1", "ndcg_cut.2147483648"]
    for i, spec in enumerate(specs):
        seeds.add("measure_spec", "spec%02d" % i, spec)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: make_seeds.py OUT [SOURCE_DIR [SHARED_DIR]]")
    out = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(here)
    shared = (sys.argv[3] if len(sys.argv) > 3
              else os.path.join(src, "..", "shared"))
    seeds = Seeds(out)
    corpus_seeds(seeds, src)
    queries_seeds(seeds, src)
    beir_qrels_seeds(seeds, src)
    trec_qrels_seeds(seeds, src, shared)
    trec_run_seeds(seeds, src, shared)
    results_seeds(seeds)
    plot_results_seeds(seeds, src)
    unzip_seeds(seeds, src)
    import_trec_seeds(seeds)
    dataset_check_seeds(seeds, src)
    gate_seeds(seeds, src)
    safetensors_seeds(seeds)
    wordpiece_seeds(seeds, src, shared)
    model_config_seeds(seeds)
    probe_suite_seeds(seeds, src)
    run_config_seeds(seeds)
    measure_spec_seeds(seeds)
    print("make_seeds: %d seeds in %s" % (seeds.count, out))


if __name__ == "__main__":
    main()
