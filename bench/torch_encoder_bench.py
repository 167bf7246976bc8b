#!/usr/bin/python3
"""The PyTorch peer for bench_encoder: the same checkpoint, run the way
Hugging Face's BertModel runs it in eager mode (nn.Linear, nn.LayerNorm,
GELU, an additive padding mask, softmax over heads), in FP32 on the CPU or
FP16/BF16 on a GPU, timed on synthetic sequences of a fixed length.

    torch_encoder_bench.py --model DIR [--seq 128] [--batch 32] [--seqs N]
        [--reps 5] [--warmup 1] [--threads N] [--device cpu|cuda]
        [--dtype fp32|fp16|bf16]

Prints one JSON object: tokens per second (median, min, max, runs) and the
settings. --threads 0 leaves PyTorch's default thread count. Needs
python3-torch (and python3-numpy).
"""

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'tools'))
from reference_encoder import read_safetensors  # noqa: E402


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i = c['hidden_size'], c['intermediate_size']
        self.heads = c['num_attention_heads']
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.attn_out = nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=c.get('layer_norm_eps', 1e-12))
        self.inter = nn.Linear(h, i)
        self.out = nn.Linear(i, h)
        self.ln2 = nn.LayerNorm(h, eps=c.get('layer_norm_eps', 1e-12))

    def split(self, x):
        b, t, h = x.shape
        return x.view(b, t, self.heads, h // self.heads).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        b, t, h = x.shape
        q, k, v = (self.split(f(x)) for f in (self.query, self.key,
                                               self.value))
        scores = q @ k.transpose(-1, -2) / math.sqrt(h // self.heads) + mask
        ctx = (scores.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(b, t, h)
        x = self.ln1(self.attn_out(ctx) + x)
        return self.ln2(self.out(nn.functional.gelu(self.inter(x))) + x)


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c['hidden_size']
        self.word = nn.Embedding(c['vocab_size'], h)
        self.pos = nn.Embedding(c['max_position_embeddings'], h)
        self.token_type = nn.Embedding(c.get('type_vocab_size', 2), h)
        self.ln = nn.LayerNorm(h, eps=c.get('layer_norm_eps', 1e-12))
        self.layers = nn.ModuleList(Layer(c)
                                    for _ in range(c['num_hidden_layers']))

    def forward(self, ids, attention_mask):
        t = ids.shape[1]
        pos = torch.arange(t, device=ids.device)
        x = self.ln(self.word(ids) + self.pos(pos)[None] +
                    self.token_type(torch.zeros_like(ids)))
        mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * \
            torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, mask)
        # mean pooling, as sentence-transformers does
        m = attention_mask[:, :, None].to(x.dtype)
        return (x * m).sum(1) / m.sum(1).clamp(min=1e-9)


def load(model_dir):
    with open(os.path.join(model_dir, 'config.json')) as f:
        c = json.load(f)
    model = Bert(c)
    raw = {k[5:] if k.startswith('bert.') else k: v
           for k, v in read_safetensors(os.path.join(
               model_dir, 'model.safetensors')).items()}
    names = {
        'word.weight': 'embeddings.word_embeddings.weight',
        'pos.weight': 'embeddings.position_embeddings.weight',
        'token_type.weight': 'embeddings.token_type_embeddings.weight',
        'ln.weight': 'embeddings.LayerNorm.weight',
        'ln.bias': 'embeddings.LayerNorm.bias',
    }
    parts = {'query': 'attention.self.query',
             'key': 'attention.self.key',
             'value': 'attention.self.value',
             'attn_out': 'attention.output.dense',
             'ln1': 'attention.output.LayerNorm',
             'inter': 'intermediate.dense', 'out': 'output.dense',
             'ln2': 'output.LayerNorm'}
    for i in range(c['num_hidden_layers']):
        for mine, theirs in parts.items():
            for p in ('weight', 'bias'):
                names['layers.%d.%s.%s' % (i, mine, p)] = \
                    'encoder.layer.%d.%s.%s' % (i, theirs, p)
    state = {mine: torch.from_numpy(np.array(raw[theirs], dtype=np.float32))
             for mine, theirs in names.items()}
    model.load_state_dict(state)
    return model.eval(), c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--seq', type=int, default=128)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--seqs', type=int)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--dtype', choices=['fp32', 'fp16', 'bf16'],
                    default='fp32')
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    model, c = load(args.model)
    dtype = {'fp32': torch.float32, 'fp16': torch.float16,
             'bf16': torch.bfloat16}[args.dtype]
    model = model.to(args.device, dtype)
    nseq = args.seqs or max(args.batch, -(-8192 // args.seq))
    gen = torch.Generator().manual_seed(12345)
    ids = torch.randint(1000, c['vocab_size'], (nseq, args.seq),
                        generator=gen)
    ids[:, 0], ids[:, -1] = 101, 102
    ids = ids.to(args.device)
    mask = torch.ones_like(ids)
    rates, cpu_rates = [], []
    with torch.inference_mode():
        for r in range(args.warmup + args.reps):
            if args.device != 'cpu':
                torch.cuda.synchronize()
            t0, c0 = time.perf_counter(), time.process_time()
            for b in range(0, nseq, args.batch):
                model(ids[b:b + args.batch], mask[b:b + args.batch])
            if args.device != 'cpu':
                torch.cuda.synchronize()
            dt = time.perf_counter() - t0
            dc = time.process_time() - c0
            if r >= args.warmup:
                rates.append(nseq * args.seq / dt)
                cpu_rates.append(nseq * args.seq / dc)

    def summary(v):
        """The figures bench_common.h gives for rankbench's runs."""
        s = sorted(v)
        med = statistics.median(s)
        half = len(s) // 2
        return {'median': med, 'min': s[0], 'max': s[-1],
                'q1': statistics.median(s[:half]) if half else med,
                'q3': statistics.median(s[(len(s) + 1) // 2:]) if half
                else med,
                'mad': statistics.median(abs(x - med) for x in s),
                'samples': v}

    out = {
        'bench': 'torch_encoder_throughput',
        'torch': torch.__version__,
        'machine': {'host': platform.node(), 'cpu': platform.processor(),
                    'cores': os.cpu_count()},
        'model': {'hidden_size': c['hidden_size'],
                  'num_hidden_layers': c['num_hidden_layers'],
                  'num_attention_heads': c['num_attention_heads'],
                  'intermediate_size': c['intermediate_size']},
        'device': args.device, 'dtype': args.dtype,
        'threads': torch.get_num_threads(), 'seq_len': args.seq,
        'batch_size': args.batch, 'sequences_per_run': nseq,
        'warmup': args.warmup, 'reps': args.reps,
        'tokens_per_s': summary(rates),
        # tokens per second of CPU time over all threads: work per token,
        # less disturbed by other processes' load
        'tokens_per_cpu_s': summary(cpu_rates),
    }
    if args.device != 'cpu':
        out['gpu'] = torch.cuda.get_device_name()
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
