#!/usr/bin/python3
"""An independent reference for rankbench's dense encoder.

It reads a Hugging Face BERT model folder (config.json, vocab.txt,
tokenizer_config.json, model.safetensors, and sentence-transformers'
modules.json / 1_Pooling / Normalize when present), tokenizes texts the way
BERT's Python tokenizer does (with Python's own unicodedata and str.lower),
and computes sentence embeddings with a padded, masked forward pass written
from the BERT equations, in NumPy (float64) or PyTorch (float32).

It shares no code with the C implementation; the tests compare the two.

    reference_encoder.py --model DIR --texts FILE --out FILE.json
        [--engine numpy|torch] [--max-length N] [--pooling MODE]
        [--normalize | --no-normalize] [--hidden]

FILE holds one JSON string a line. The output is a JSON object with "ids"
(token ids per text), "embeddings" (one list per text) and, with --hidden,
"hidden" (the last hidden states of every token of every text).

Run with Debian's python3 (python3-numpy; python3-torch for --engine torch).
"""

import argparse
import json
import math
import os
import struct
import sys
import unicodedata

import numpy as np

try:
    from scipy.special import erf as np_erf   # python3-scipy, when there
except ImportError:
    np_erf = np.vectorize(math.erf)

# ---------------------------------------------------------------- tokenizer

CJK_RANGES = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF),
              (0x2A700, 0x2B73F), (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF),
              (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]


def special_string(value, default):
    if value is None:
        return default
    if isinstance(value, dict):
        return value.get('content', default)
    return value


class Tokenizer:
    """BERT's BasicTokenizer and WordpieceTokenizer, re-derived from their
    published behaviour."""

    def __init__(self, model_dir):
        self.vocab = {}
        with open(os.path.join(model_dir, 'vocab.txt'), encoding='utf-8') as f:
            for i, line in enumerate(f):
                self.vocab[line.rstrip('\n').rstrip('\r')] = i
        cfg = {}
        path = os.path.join(model_dir, 'tokenizer_config.json')
        if os.path.exists(path):
            with open(path, encoding='utf-8') as f:
                cfg = json.load(f)
        self.lower = cfg.get('do_lower_case', True)
        strip = cfg.get('strip_accents')
        self.strip = self.lower if strip is None else strip
        self.cjk = cfg.get('tokenize_chinese_chars', True)
        self.basic = cfg.get('do_basic_tokenize', True)
        names = [('unk_token', '[UNK]'), ('cls_token', '[CLS]'),
                 ('sep_token', '[SEP]'), ('pad_token', '[PAD]'),
                 ('mask_token', '[MASK]')]
        toks = [special_string(cfg.get(k), d) for k, d in names]
        self.unk, self.cls, self.sep, self.pad, self.mask = toks
        self.specials = [t for t in toks if t in self.vocab]
        self.max_chars = 100

    @staticmethod
    def is_whitespace(ch):
        return ch in ' \t\n\r' or unicodedata.category(ch) == 'Zs'

    @staticmethod
    def is_control(ch):
        if ch in '\t\n\r':
            return False
        return unicodedata.category(ch).startswith('C')

    @staticmethod
    def is_punct(ch):
        cp = ord(ch)
        if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or \
                123 <= cp <= 126:
            return True
        return unicodedata.category(ch).startswith('P')

    def clean(self, text):
        out = []
        for ch in text:
            if ord(ch) == 0 or ord(ch) == 0xFFFD or self.is_control(ch):
                continue
            if self.is_whitespace(ch):
                out.append(' ')
            elif self.cjk and any(a <= ord(ch) <= b for a, b in CJK_RANGES):
                out.append(' ' + ch + ' ')
            else:
                out.append(ch)
        return ''.join(out)

    def basic_words(self, text):
        words = []
        for word in self.clean(text).split():
            if self.lower:
                word = ''.join(c.lower() for c in word)
            if self.strip:
                word = ''.join(c for c in unicodedata.normalize('NFD', word)
                               if unicodedata.category(c) != 'Mn')
            part = ''
            for ch in word:
                if self.is_punct(ch):
                    if part:
                        words.append(part)
                    words.append(ch)
                    part = ''
                else:
                    part += ch
            if part:
                words.append(part)
        return words

    def wordpiece(self, word):
        if len(word) > self.max_chars:
            return [self.vocab[self.unk]]
        pieces, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while end > start:
                sub = word[start:end]
                if start > 0:
                    sub = '##' + sub
                if sub in self.vocab:
                    found = self.vocab[sub]
                    break
                end -= 1
            if found is None:
                return [self.vocab[self.unk]]
            pieces.append(found)
            start = end
        return pieces

    def segments(self, text):
        """Split out the special tokens written in the text: (piece, is
        special), leftmost first, the longest at one place."""
        out, pos, begin = [], 0, 0
        while pos < len(text):
            hit = None
            for sp in self.specials:
                if text.startswith(sp, pos) and (hit is None or
                                                 len(sp) > len(hit)):
                    hit = sp
            if hit is None:
                pos += 1
                continue
            out.append((text[begin:pos], False))
            out.append((hit, True))
            pos += len(hit)
            begin = pos
        out.append((text[begin:], False))
        return out

    def tokenize(self, text):
        ids = []
        for seg, special in self.segments(text):
            if special:
                ids.append(self.vocab[seg])
                continue
            if self.basic:
                words = self.basic_words(seg)
            else:
                if self.lower:
                    seg = ''.join(c.lower() for c in seg)
                words = seg.split()
            for w in words:
                ids.extend(self.wordpiece(w))
        return ids

    def encode(self, text, max_length):
        body = self.tokenize(text)[:max_length - 2]
        return [self.vocab[self.cls]] + body + [self.vocab[self.sep]]


# -------------------------------------------------------------- safetensors

def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf-8'))
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        begin, end = info['data_offsets']
        raw = body[begin:end]
        shape = info['shape']
        dtype = info['dtype']
        if dtype == 'F32':
            arr = np.frombuffer(raw, dtype='<f4')
        elif dtype == 'F16':
            arr = np.frombuffer(raw, dtype='<f2').astype(np.float32)
        elif dtype == 'BF16':
            bits = np.frombuffer(raw, dtype='<u2').astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            raise SystemExit('%s: tensor "%s" has dtype %s' %
                             (path, name, dtype))
        tensors[name] = arr.reshape(shape)
    return tensors


# ------------------------------------------------------------------- model

class Model:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, 'config.json')) as f:
            self.config = json.load(f)
        raw = read_safetensors(os.path.join(model_dir, 'model.safetensors'))
        self.w = {}
        for name, arr in raw.items():
            if name.startswith('bert.'):
                name = name[len('bert.'):]
            self.w[name] = arr
        self.pooling = ['mean']
        self.normalize = False
        self.max_length = None
        self.read_sentence_transformers(model_dir)
        c = self.config
        limit = c.get('max_position_embeddings', 512)
        self.max_length = min(self.max_length or limit, limit)

    def read_sentence_transformers(self, model_dir):
        path = os.path.join(model_dir, 'modules.json')
        if not os.path.exists(path):
            return
        with open(path) as f:
            modules = json.load(f)
        for m in modules:
            kind = m['type'].rsplit('.', 1)[-1]
            if kind == 'Pooling':
                with open(os.path.join(model_dir, m['path'],
                                       'config.json')) as f:
                    pc = json.load(f)
                order = [('pooling_mode_cls_token', 'cls'),
                         ('pooling_mode_mean_tokens', 'mean'),
                         ('pooling_mode_max_tokens', 'max'),
                         ('pooling_mode_mean_sqrt_len_tokens',
                          'mean_sqrt_len'),
                         ('pooling_mode_weightedmean_tokens', 'weightedmean'),
                         ('pooling_mode_lasttoken', 'lasttoken')]
                self.pooling = [mode for key, mode in order if pc.get(key)]
            elif kind == 'Normalize':
                self.normalize = True
        path = os.path.join(model_dir, 'sentence_bert_config.json')
        if os.path.exists(path):
            with open(path) as f:
                self.max_length = json.load(f).get('max_seq_length')


def gelu(x, kind, xp):
    if kind == 'gelu':
        if xp is np:
            return 0.5 * x * (1.0 + np_erf(x / math.sqrt(2.0)))
        return 0.5 * x * (1.0 + xp.erf(x / math.sqrt(2.0)))
    if kind in ('gelu_new', 'gelu_pytorch_tanh'):
        return 0.5 * x * (1.0 + xp.tanh(math.sqrt(2.0 / math.pi) *
                                        (x + 0.044715 * x ** 3)))
    if kind == 'relu':
        return xp.maximum(x, 0) if xp is np else xp.relu(x)
    raise SystemExit('hidden_act %s is not supported' % kind)


def forward(model, batch_ids, xp, dtype):
    """Last hidden states [B, T, H] and the mask [B, T] of a padded
    batch, as BERT computes them."""
    c = model.config
    H = c['hidden_size']
    nh = c['num_attention_heads']
    d = H // nh
    eps = c.get('layer_norm_eps', 1e-12)
    act = c.get('hidden_act', 'gelu')
    B = len(batch_ids)
    T = max(len(s) for s in batch_ids)
    ids = np.zeros((B, T), dtype=np.int64)
    mask = np.zeros((B, T))
    for b, s in enumerate(batch_ids):
        ids[b, :len(s)] = s
        mask[b, :len(s)] = 1

    def W(name):
        a = model.w[name]
        if xp is np:
            return a.astype(np.float64)
        return xp.from_numpy(np.array(a)).to(dtype)

    def layer_norm(x, prefix):
        mu = x.mean(-1, keepdims=True) if xp is np else x.mean(-1, True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True) if xp is np else \
            ((x - mu) ** 2).mean(-1, True)
        return (x - mu) / (var + eps) ** 0.5 * W(prefix + '.weight') + \
            W(prefix + '.bias')

    def linear(x, prefix):
        w = W(prefix + '.weight')
        return x @ w.T + W(prefix + '.bias')

    if xp is np:
        t_ids, t_mask = ids, mask
    else:
        t_ids = xp.from_numpy(ids)
        t_mask = xp.from_numpy(mask).to(dtype)
    word = W('embeddings.word_embeddings.weight')
    pos = W('embeddings.position_embeddings.weight')
    typ = W('embeddings.token_type_embeddings.weight')
    x = word[t_ids] + pos[:T][None, :, :] + typ[0][None, None, :]
    x = layer_norm(x, 'embeddings.LayerNorm')
    # Padded keys get a large negative score, so they weigh nothing.
    neg = (1.0 - t_mask)[:, None, None, :] * -1e30
    for i in range(c['num_hidden_layers']):
        p = 'encoder.layer.%d.' % i

        def heads(y):
            y = y.reshape(B, T, nh, d)
            return y.transpose(0, 2, 1, 3) if xp is np else \
                y.permute(0, 2, 1, 3)

        q = heads(linear(x, p + 'attention.self.query'))
        k = heads(linear(x, p + 'attention.self.key'))
        v = heads(linear(x, p + 'attention.self.value'))
        kt = k.transpose(0, 1, 3, 2) if xp is np else k.transpose(-1, -2)
        scores = q @ kt / math.sqrt(d) + neg
        if xp is np:
            scores = scores - scores.max(-1, keepdims=True)
            e = np.exp(scores)
            probs = e / e.sum(-1, keepdims=True)
            ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(B, T, H)
        else:
            probs = xp.softmax(scores, -1)
            ctx = (probs @ v).permute(0, 2, 1, 3).reshape(B, T, H)
        x = layer_norm(linear(ctx, p + 'attention.output.dense') + x,
                       p + 'attention.output.LayerNorm')
        inner = gelu(linear(x, p + 'intermediate.dense'), act, xp)
        x = layer_norm(linear(inner, p + 'output.dense') + x,
                       p + 'output.LayerNorm')
    if xp is not np:
        x = x.double().numpy()
    return x, mask


def pool(hidden, mask, modes, normalize):
    parts = []
    lengths = mask.sum(1)
    m = mask[:, :, None]
    for mode in modes:
        if mode == 'cls':
            parts.append(hidden[:, 0])
        elif mode == 'mean':
            parts.append((hidden * m).sum(1) / lengths[:, None])
        elif mode == 'mean_sqrt_len':
            parts.append((hidden * m).sum(1) / np.sqrt(lengths)[:, None])
        elif mode == 'max':
            parts.append(np.where(m > 0, hidden, -np.inf).max(1))
        elif mode == 'weightedmean':
            wts = np.arange(1, hidden.shape[1] + 1)[None, :, None] * m
            parts.append((hidden * wts).sum(1) / wts.sum(1))
        elif mode == 'lasttoken':
            last = lengths.astype(int) - 1
            parts.append(hidden[np.arange(hidden.shape[0]), last])
        else:
            raise SystemExit('unknown pooling mode %s' % mode)
    out = np.concatenate(parts, axis=1)
    if normalize:
        out = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True),
                               1e-12)
    return out


def encode(model, tok, texts, engine='numpy', max_length=None, modes=None,
           normalize=None, batch_size=8, want_hidden=False):
    """Token ids, embeddings and (optionally) hidden states of texts."""
    max_length = max_length or model.max_length
    modes = modes or model.pooling
    normalize = model.normalize if normalize is None else normalize
    if engine == 'torch':
        import torch
        xp, dtype = torch, torch.float32
    else:
        xp, dtype = np, None
    all_ids = [tok.encode(t, max_length) for t in texts]
    embeddings, hidden = [], []
    for b in range(0, len(all_ids), batch_size):
        batch = all_ids[b:b + batch_size]
        if xp is np:
            h, mask = forward(model, batch, xp, dtype)
        else:
            with xp.inference_mode():
                h, mask = forward(model, batch, xp, dtype)
        embeddings.extend(pool(h, mask, modes, normalize).tolist())
        if want_hidden:
            for i, s in enumerate(batch):
                hidden.append(h[i, :len(s)].tolist())
    return all_ids, embeddings, hidden


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--texts', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--engine', choices=['numpy', 'torch'], default='numpy')
    ap.add_argument('--max-length', type=int)
    ap.add_argument('--pooling')
    ap.add_argument('--normalize', dest='normalize', action='store_true',
                    default=None)
    ap.add_argument('--no-normalize', dest='normalize', action='store_false')
    ap.add_argument('--hidden', action='store_true')
    args = ap.parse_args()

    model = Model(args.model)
    tok = Tokenizer(args.model)
    with open(args.texts, encoding='utf-8') as f:
        texts = [json.loads(line) for line in f if line.strip()]
    modes = args.pooling.split(',') if args.pooling else None
    ids, emb, hidden = encode(model, tok, texts, args.engine,
                              args.max_length, modes, args.normalize,
                              want_hidden=args.hidden)
    out = {'engine': args.engine, 'ids': ids, 'embeddings': emb}
    if args.hidden:
        out['hidden'] = hidden
    tmp = args.out + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(out, f)
    os.replace(tmp, args.out)


if __name__ == '__main__':
    sys.exit(main())
