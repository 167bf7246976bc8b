#!/usr/bin/python3
"""An independent reference for rankbench's masked-LM head and probes.

It reads a probe suite (JSONL) and a Hugging Face BERT checkpoint with its
masked-LM head, masks each probe's text the way the suite format says
(one [MASK] per WordPiece piece of "expected", or the first whole-word
occurrence of "target"), runs the encoder of reference_encoder.py and the
head written from BertLMPredictionHead's equations, in NumPy (float64) or
PyTorch (float32), and scores the softmax over the whole vocabulary.

It shares no code with the C implementation; the tests compare the two.

    reference_mlm.py --model DIR --probes FILE --out FILE.json
        [--engine numpy|torch] [--top-k K] [--tie auto|tied|untied]
        [--no-logits]

The output holds, per probe that can run, its input ids, masked positions
and for each position the logits (unless --no-logits), the top K token
ids with probabilities, the rank and probability of the expected token
and the entropy; and the line numbers of the lines that cannot run.

Run with Debian's python3 (python3-numpy; python3-torch for --engine torch).
"""

import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_encoder as ref  # noqa: E402

KNOWN_KEYS = {'id', 'text', 'expected', 'target', 'tags', 'note',
              'metadata'}


def read_suite(path):
    """(probes, skipped line numbers) with the suite's own rules."""
    probes, skipped, seen = [], [], set()
    with open(path, encoding='utf-8') as f:
        for no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                skipped.append(no)
                continue
            ok = isinstance(obj, dict) and set(obj) <= KNOWN_KEYS
            ok = ok and all(isinstance(obj.get(k), str) and obj.get(k)
                            for k in ('id', 'text'))
            ok = ok and (('expected' in obj) != ('target' in obj))
            word = obj.get('expected', obj.get('target')) if ok else None
            ok = ok and isinstance(word, str) and word != ''
            tags = obj.get('tags', []) if ok else []
            ok = ok and isinstance(tags, list) and \
                all(isinstance(t, str) and t for t in tags)
            if not ok or obj['id'] in seen:
                skipped.append(no)
                continue
            seen.add(obj['id'])
            probes.append({'line': no, 'id': obj['id'], 'text': obj['text'],
                           'word': word, 'by_target': 'target' in obj,
                           'tags': tags})
    return probes, skipped


def mask_probe(tok, p, max_length):
    """Model input ids and masked positions, or None when the probe
    cannot run against this vocabulary."""
    vocab = tok.vocab
    mask_id, unk_id = vocab[tok.mask], vocab[tok.unk]
    body = tok.tokenize(p['text'])
    want = tok.tokenize(p['word'])
    if not want or unk_id in want or mask_id in want:
        return None
    masks = [i for i, t in enumerate(body) if t == mask_id]
    inv = {i: t for t, i in vocab.items()}
    if p['by_target']:
        if masks:
            return None
        start = None
        for i in range(len(body) - len(want) + 1):
            after = i + len(want)
            if body[i:after] == want and (
                    after == len(body) or
                    not inv.get(body[after], '').startswith('##')):
                start = i
                break
        if start is None:
            return None
        body[start:start + len(want)] = [mask_id] * len(want)
    else:
        if len(masks) != len(want) or \
                masks != list(range(masks[0], masks[0] + len(want))):
            return None
        start = masks[0]
    if start + len(want) > max_length - 2:
        return None
    body = body[:max_length - 2]
    ids = [vocab[tok.cls]] + body + [vocab[tok.sep]]
    return ids, [1 + start + j for j in range(len(want))], want


def head_logits(model, states, engine, tie):
    """Logits [n, V] of last hidden states [n, H]."""
    c = model.config
    eps = c.get('layer_norm_eps', 1e-12)
    act = c.get('hidden_act', 'gelu')
    w = model.w
    stored = 'cls.predictions.decoder.weight' in w
    if tie == 'untied' and not stored:
        raise SystemExit('no stored decoder')
    untied = stored and (tie == 'untied' or (
        tie == 'auto' and not np.array_equal(
            w['cls.predictions.decoder.weight'],
            w['embeddings.word_embeddings.weight'])))
    dec = w['cls.predictions.decoder.weight'] if untied else \
        w['embeddings.word_embeddings.weight']
    bias = w.get('cls.predictions.bias',
                 w.get('cls.predictions.decoder.bias'))
    names = ['cls.predictions.transform.dense.weight',
             'cls.predictions.transform.dense.bias',
             'cls.predictions.transform.LayerNorm.weight',
             'cls.predictions.transform.LayerNorm.bias']
    if engine == 'torch':
        import torch
        xp = torch
        conv = [torch.from_numpy(np.array(w[n], dtype=np.float32))
                for n in names]
        dw, db, g, b = conv
        x = torch.from_numpy(np.array(states, dtype=np.float32))
        d = torch.from_numpy(np.array(dec, dtype=np.float32))
        bi = torch.from_numpy(np.array(bias, dtype=np.float32))
        with torch.inference_mode():
            t = ref.gelu(x @ dw.T + db, act, xp)
            mu = t.mean(-1, True)
            var = ((t - mu) ** 2).mean(-1, True)
            t = (t - mu) / (var + eps) ** 0.5 * g + b
            return (t @ d.T + bi).double().numpy()
    dw, db, g, b = [w[n].astype(np.float64) for n in names]
    x = np.asarray(states, dtype=np.float64)
    t = ref.gelu(x @ dw.T + db, act, np)
    mu = t.mean(-1, keepdims=True)
    var = ((t - mu) ** 2).mean(-1, keepdims=True)
    t = (t - mu) / np.sqrt(var + eps) * g + b
    return t @ dec.astype(np.float64).T + bias.astype(np.float64)


def score(logits, expected, k):
    """Top k (id, p), rank and p of expected, entropy: logit descending,
    ties by lower id."""
    z = logits - logits.max()
    e = np.exp(z)
    s = e.sum()
    p = e / s
    order = np.lexsort((np.arange(len(logits)), -logits))
    ahead = int(np.sum(logits > logits[expected]) +
                np.sum(logits[:expected] == logits[expected]))
    entropy = float(math.log(s) - np.sum(p * z))
    return ([[int(i), float(p[i])] for i in order[:k]], ahead + 1,
            float(p[expected]), entropy)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--probes', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--engine', choices=['numpy', 'torch'], default='numpy')
    ap.add_argument('--top-k', type=int, default=5)
    ap.add_argument('--tie', choices=['auto', 'tied', 'untied'],
                    default='auto')
    ap.add_argument('--no-logits', action='store_true')
    args = ap.parse_args()

    model = ref.Model(args.model)
    tok = ref.Tokenizer(args.model)
    probes, skipped = read_suite(args.probes)
    ready = []
    for p in probes:
        m = mask_probe(tok, p, model.max_length)
        if m is None:
            skipped.append(p['line'])
        else:
            ready.append((p, m))
    out = {'engine': args.engine, 'probes': [], 'skipped': sorted(skipped)}
    if args.engine == 'torch':
        import torch
        xp, dtype = torch, torch.float32
    else:
        xp, dtype = np, None
    for b in range(0, len(ready), 8):
        batch = ready[b:b + 8]
        if xp is np:
            h, _ = ref.forward(model, [m[0] for _, m in batch], xp, dtype)
        else:
            with torch.inference_mode():
                h, _ = ref.forward(model, [m[0] for _, m in batch], xp,
                                   dtype)
        for i, (p, (ids, positions, want)) in enumerate(batch):
            states = h[i, positions]
            logits = head_logits(model, states, args.engine, args.tie)
            slots = []
            for j, pos in enumerate(positions):
                top, rank, pe, ent = score(logits[j], want[j], args.top_k)
                slot = {'position': pos, 'expected': want[j], 'top': top,
                        'rank': rank, 'p': pe, 'entropy': ent}
                if not args.no_logits:
                    slot['logits'] = logits[j].tolist()
                slots.append(slot)
            out['probes'].append({'id': p['id'], 'line': p['line'],
                                  'input_ids': ids, 'slots': slots})
    tmp = args.out + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(out, f)
    os.replace(tmp, args.out)


if __name__ == '__main__':
    sys.exit(main())
