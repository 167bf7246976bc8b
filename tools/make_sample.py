#!/usr/bin/env python3
"""Write the bundled sample dataset (datasets/sample) in BEIR layout.

The collection is synthetic but has structure to find: twenty topics, each
with subtopics; documents are built from a topic's vocabulary plus common
words, some use inflected or synonymous forms of the query words, and the
judgments are graded (2: on the query's subtopic, 1: on its topic, 0: judged
off-topic, typically documents sharing a misleading word). The output is
deterministic: the same script gives the same bytes.
"""

import json
import os
import random
import sys

TOPICS = {
    "astronomy": {
        "telescopes": ["telescope", "lens", "mirror", "aperture", "eyepiece",
                       "refractor", "reflector", "magnification"],
        "planets": ["planet", "orbit", "jupiter", "saturn", "moons",
                    "rings", "mars", "atmosphere"],
        "stars": ["star", "supernova", "nebula", "luminosity", "dwarf",
                  "galaxy", "constellation", "fusion"],
    },
    "gardening": {
        "roses": ["rose", "pruning", "bloom", "petals", "thorns", "aphids",
                  "climbing", "hybrid"],
        "vegetables": ["tomato", "seedling", "compost", "harvest", "soil",
                       "lettuce", "carrot", "watering"],
        "lawns": ["lawn", "mowing", "turf", "clover", "fertilizer",
                  "moss", "seed", "drought"],
    },
    "cooking": {
        "bread": ["bread", "dough", "yeast", "flour", "kneading", "crust",
                  "sourdough", "oven"],
        "sauces": ["sauce", "butter", "reduction", "roux", "simmer",
                   "cream", "garlic", "stock"],
        "pastry": ["pastry", "tart", "custard", "puff", "chilled",
                   "shortcrust", "glaze", "baking"],
    },
    "cycling": {
        "repair": ["bicycle", "chain", "derailleur", "puncture", "brake",
                   "spokes", "tyre", "lubricant"],
        "racing": ["peloton", "sprint", "stage", "climb", "cadence",
                   "breakaway", "team", "jersey"],
    },
    "finance": {
        "investing": ["portfolio", "dividend", "stocks", "bonds", "index",
                      "diversification", "returns", "broker"],
        "mortgages": ["mortgage", "interest", "repayment", "lender",
                      "deposit", "loan", "fixed", "variable"],
    },
    "medicine": {
        "vaccines": ["vaccine", "immunity", "antibody", "dose", "booster",
                     "virus", "trial", "infection"],
        "sleep": ["sleep", "insomnia", "melatonin", "circadian", "rhythm",
                  "nap", "dreams", "fatigue"],
    },
    "computing": {
        "databases": ["database", "index", "query", "transaction", "table",
                      "postgresql", "join", "schema"],
        "compilers": ["compiler", "parser", "optimization", "register",
                      "assembly", "syntax", "lexer", "bytecode"],
        "networks": ["network", "router", "packet", "latency", "protocol",
                     "bandwidth", "firewall", "socket"],
    },
    "music": {
        "guitar": ["guitar", "chord", "strings", "fret", "strumming",
                   "tuning", "amplifier", "pick"],
        "orchestra": ["orchestra", "symphony", "conductor", "violin",
                      "cello", "score", "rehearsal", "brass"],
    },
    "oceans": {
        "reefs": ["coral", "reef", "bleaching", "fish", "algae", "lagoon",
                  "snorkel", "tropical"],
        "tides": ["tide", "moon", "shoreline", "current", "wave", "estuary",
                  "ebb", "flood"],
    },
    "history": {
        "rome": ["rome", "empire", "senate", "legion", "emperor", "forum",
                 "aqueduct", "caesar"],
        "printing": ["printing", "press", "gutenberg", "ink", "type",
                     "pamphlet", "paper", "books"],
    },
}

# Inflected and synonymous forms a stemmer or a dense model can bridge.
VARIANTS = {
    "telescope": ["telescopes"], "planet": ["planets", "planetary"],
    "star": ["stars", "stellar"], "rose": ["roses"],
    "pruning": ["prune", "pruned"], "tomato": ["tomatoes"],
    "bread": ["breads", "loaf"], "sauce": ["sauces"],
    "bicycle": ["bicycles", "bike", "bikes"], "brake": ["brakes", "braking"],
    "mortgage": ["mortgages"], "vaccine": ["vaccines", "vaccination"],
    "sleep": ["sleeping", "slept"], "database": ["databases"],
    "compiler": ["compilers", "compiling"], "network": ["networks",
                                                        "networking"],
    "guitar": ["guitars"], "orchestra": ["orchestras", "orchestral"],
    "coral": ["corals"], "tide": ["tides", "tidal"],
    "empire": ["empires", "imperial"], "printing": ["printed", "prints"],
    "lawn": ["lawns"], "pastry": ["pastries"], "dividend": ["dividends"],
}

COMMON = ("the a of and to in is for on with as by at from this that "
          "which it be are was were an or can may also more most some "
          "new how why when what about over after before between").split()

FILLER = ("people often find practical useful simple common careful early "
          "late small large long short good better best guide notes "
          "introduction basics overview method approach history question "
          "answer example examples season weekend beginners experts "
          "problem problems steps detail details local general").split()


def sentence(rng, words, n):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.45:
            out.append(rng.choice(words))
        elif r < 0.75:
            out.append(rng.choice(COMMON))
        else:
            out.append(rng.choice(FILLER))
    return " ".join(out)


def inflect(rng, word):
    if word in VARIANTS and rng.random() < 0.5:
        return rng.choice(VARIANTS[word])
    return word


def main(out_dir):
    rng = random.Random(20261203)
    docs, queries, qrels = [], [], []
    doc_topic = {}
    n = 0
    subtopics = [(t, s) for t in TOPICS for s in TOPICS[t]]
    for topic, sub in subtopics:
        words = TOPICS[topic][sub]
        related = [w for s2, ws in TOPICS[topic].items() if s2 != sub
                   for w in ws]
        for i in range(12):
            n += 1
            doc_id = "doc%04d" % n
            core = [inflect(rng, w) for w in words]
            mix = core * 3 + related[:6]
            title_len = rng.randint(0, 7)
            title = sentence(rng, core, title_len) if title_len > 2 else ""
            body = ". ".join(sentence(rng, mix, rng.randint(8, 18))
                             for _ in range(rng.randint(1, 4)))
            if i == 11:
                body = ""   # a few title-only documents, as in CACM
                title = title or sentence(rng, core, 5)
            docs.append({"_id": doc_id, "title": title, "text": body + "."
                         if body else ""})
            doc_topic[doc_id] = (topic, sub)
    # Distractors: documents that borrow one word of another topic.
    for k in range(36):
        n += 1
        doc_id = "doc%04d" % n
        topic, sub = subtopics[k % len(subtopics)]
        other_topic, other_sub = subtopics[(k * 7 + 3) % len(subtopics)]
        bait = TOPICS[other_topic][other_sub][0]
        words = TOPICS[topic][sub]
        text = sentence(rng, words, 14) + " " + bait + " " + \
            sentence(rng, FILLER, 6) + "."
        docs.append({"_id": doc_id, "title": "", "text": text})
        doc_topic[doc_id] = (topic, sub)

    qn = 0
    for topic, sub in subtopics:
        words = TOPICS[topic][sub]
        for j in range(2):
            qn += 1
            qid = "q%02d" % qn
            picked = rng.sample(words, 3)
            stem = ["how to", "what is", "guide to", "why do", "best"][
                rng.randrange(5)]
            text = "%s %s" % (stem, " ".join(picked))
            queries.append({"_id": qid, "text": text,
                            "metadata": {"topic": topic, "subtopic": sub}})
            if j == 1 and qn % 3 == 0:
                continue  # some queries stay unjudged
            for doc_id, (t, s) in doc_topic.items():
                if s == sub and t == topic:
                    qrels.append((qid, doc_id, 2))
                elif t == topic and rng.random() < 0.3:
                    qrels.append((qid, doc_id, 1))
                elif picked[0] in " ".join(
                        d["text"] for d in docs if d["_id"] == doc_id) \
                        and t != topic:
                    qrels.append((qid, doc_id, 0))
    os.makedirs(os.path.join(out_dir, "qrels"), exist_ok=True)
    with open(os.path.join(out_dir, "corpus.jsonl"), "w") as f:
        for d in docs:
            f.write(json.dumps(d, sort_keys=False) + "\n")
    with open(os.path.join(out_dir, "queries.jsonl"), "w") as f:
        for q in queries:
            f.write(json.dumps(q) + "\n")
    with open(os.path.join(out_dir, "qrels", "test.tsv"), "w") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for qid, doc_id, g in qrels:
            f.write("%s\t%s\t%d\n" % (qid, doc_id, g))
    print("%d documents, %d queries, %d judgments" %
          (len(docs), len(queries), len(qrels)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "datasets/sample")
