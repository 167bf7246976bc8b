#!/usr/bin/python3
"""Write a deterministic random BERT checkpoint in the Hugging Face layout.

No pretrained weights can be downloaded where rankbench is tested, so the
tests and benchmarks build their models: config.json, vocab.txt,
tokenizer_config.json and model.safetensors (F32, F16 or BF16), optionally
behind the "bert." prefix, with sentence-transformers' modules.json,
1_Pooling/config.json and Normalize, and with a masked-LM head tied to the
word embeddings or not. The same arguments always give the same bytes.

    make_test_model.py --out DIR [--hidden 64] [--layers 2] [--heads 4]
        [--intermediate 128] [--dtype F32|F16|BF16] [--prefix]
        [--pooling mean|cls|max|...[,mode...]] [--normalize]
        [--mlm none|tied|tied-copy|untied] [--tie-config true|false]
        [--vocab FILE] [--seed N] ...

The vocabulary is the real uncased BERT one (../shared/models/
bert-base-uncased-vocab/vocab.txt, or --vocab) when present, else a small
generated one. Needs Debian's python3 with python3-numpy.
"""

import argparse
import json
import os
import string
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED_VOCAB = os.path.join(HERE, '..', '..', 'shared', 'models',
                            'bert-base-uncased-vocab', 'vocab.txt')

SMALL_WORDS = ['the', 'of', 'and', 'in', 'to', 'is', 'a', 'for', 'on',
               'with', 'hello', 'world', 'search', 'retrieval', 'text',
               'model', 'query', 'document', 'token', 'bert', 'dense',
               'vector', 'index', 'rank', 'cafe', 'naive', 'flow', 'air',
               'heat', 'boundary', 'layer', 'pressure', 'wing', 'data']
SMALL_PIECES = ['##s', '##ing', '##ed', '##er', '##ly', '##ion', '##al',
                '##es', '##ization', '##able']


def small_vocab():
    """A generated vocabulary in BERT's arrangement: [PAD] at 0, unused
    slots, [UNK] [CLS] [SEP] [MASK] at 100 to 103, then characters, pieces
    and words."""
    toks = ['[PAD]'] + ['[unused%d]' % i for i in range(99)]
    toks += ['[UNK]', '[CLS]', '[SEP]', '[MASK]']
    chars = [c for c in string.printable if not c.isspace()]
    chars += list('éàüñçøß一二三中国人日本東京αβγδσςπ')
    toks += chars
    toks += ['##' + c for c in chars if c.isalnum()]
    toks += SMALL_PIECES + SMALL_WORDS
    return toks


def bf16_bits(a):
    """Round-to-nearest-even float32 -> bfloat16 bit patterns."""
    bits = a.astype(np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + 0x7FFF
    return ((bits + rounding) >> 16).astype(np.uint16)


def encode_tensor(a, dtype):
    if dtype == 'F32':
        return a.astype('<f4').tobytes()
    if dtype == 'F16':
        return a.astype('<f2').tobytes()
    if dtype == 'BF16':
        return bf16_bits(a).astype('<u2').tobytes()
    raise SystemExit('unknown dtype %s' % dtype)


def write_safetensors(path, tensors, dtype, metadata=None):
    """tensors: name -> float array. Header keys sorted, data in the same
    order, header padded with spaces to a multiple of 8 bytes."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        raw = encode_tensor(tensors[name], dtype)
        header[name] = {'dtype': dtype, 'shape': list(tensors[name].shape),
                        'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header['__metadata__'] = metadata
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
    os.replace(tmp, path)


def make_weights(args, vocab_size, rng):
    H, I = args.hidden, args.intermediate
    std = args.std

    def normal(*shape):
        return rng.standard_normal(shape) * std

    def ln(prefix, w):
        w[prefix + '.weight'] = 1.0 + rng.standard_normal(H) * 0.1
        w[prefix + '.bias'] = rng.standard_normal(H) * 0.1

    def linear(prefix, w, n_out, n_in):
        w[prefix + '.weight'] = normal(n_out, n_in)
        w[prefix + '.bias'] = normal(n_out)

    w = {}
    w['embeddings.word_embeddings.weight'] = normal(vocab_size, H)
    w['embeddings.position_embeddings.weight'] = normal(args.max_positions,
                                                        H)
    w['embeddings.token_type_embeddings.weight'] = normal(args.type_vocab, H)
    ln('embeddings.LayerNorm', w)
    for i in range(args.layers):
        p = 'encoder.layer.%d.' % i
        for part in ('query', 'key', 'value'):
            linear(p + 'attention.self.' + part, w, H, H)
        linear(p + 'attention.output.dense', w, H, H)
        ln(p + 'attention.output.LayerNorm', w)
        linear(p + 'intermediate.dense', w, I, H)
        linear(p + 'output.dense', w, H, I)
        ln(p + 'output.LayerNorm', w)
    if args.pooler:
        linear('pooler.dense', w, H, H)
    prefix = 'bert.' if args.prefix else ''
    out = {prefix + k: v for k, v in w.items()}
    if args.mlm != 'none':
        linear('cls.predictions.transform.dense', out, H, H)
        ln('cls.predictions.transform.LayerNorm', out)
        out['cls.predictions.bias'] = normal(vocab_size)
        if args.mlm == 'untied':
            out['cls.predictions.decoder.weight'] = normal(vocab_size, H)
        elif args.mlm == 'tied-copy':
            out['cls.predictions.decoder.weight'] = \
                out[prefix + 'embeddings.word_embeddings.weight']
    return out


def write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write('\n')


POOLING_KEYS = {'cls': 'pooling_mode_cls_token',
                'mean': 'pooling_mode_mean_tokens',
                'max': 'pooling_mode_max_tokens',
                'mean_sqrt_len': 'pooling_mode_mean_sqrt_len_tokens',
                'weightedmean': 'pooling_mode_weightedmean_tokens',
                'lasttoken': 'pooling_mode_lasttoken'}


def write_sentence_transformers(args, out):
    modules = [{'idx': 0, 'name': '0', 'path': '',
                'type': 'sentence_transformers.models.Transformer'},
               {'idx': 1, 'name': '1', 'path': '1_Pooling',
                'type': 'sentence_transformers.models.Pooling'}]
    if args.normalize:
        modules.append({'idx': 2, 'name': '2', 'path': '2_Normalize',
                        'type': 'sentence_transformers.models.Normalize'})
        os.makedirs(os.path.join(out, '2_Normalize'), exist_ok=True)
    write_json(os.path.join(out, 'modules.json'), modules)
    os.makedirs(os.path.join(out, '1_Pooling'), exist_ok=True)
    modes = args.pooling.split(',')
    pooling = {'word_embedding_dimension': args.hidden}
    for mode, key in POOLING_KEYS.items():
        pooling[key] = mode in modes
    for mode in modes:
        if mode not in POOLING_KEYS:
            raise SystemExit('unknown pooling mode %s' % mode)
    write_json(os.path.join(out, '1_Pooling', 'config.json'), pooling)
    if args.max_seq_length:
        write_json(os.path.join(out, 'sentence_bert_config.json'),
                   {'max_seq_length': args.max_seq_length,
                    'do_lower_case': False})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', required=True)
    ap.add_argument('--hidden', type=int, default=64)
    ap.add_argument('--layers', type=int, default=2)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--intermediate', type=int, default=128)
    ap.add_argument('--max-positions', type=int, default=512)
    ap.add_argument('--type-vocab', type=int, default=2)
    ap.add_argument('--dtype', choices=['F32', 'F16', 'BF16'], default='F32')
    ap.add_argument('--prefix', action='store_true',
                    help='name tensors "bert.embeddings...." (BertForMaskedLM'
                    ' layout)')
    ap.add_argument('--pooling', help='write sentence-transformers modules'
                    ' with these pooling modes')
    ap.add_argument('--normalize', action='store_true')
    ap.add_argument('--max-seq-length', type=int)
    ap.add_argument('--mlm', choices=['none', 'tied', 'tied-copy', 'untied'],
                    default='none', help='tied-copy stores the decoder as a'
                    ' copy of the word embeddings')
    ap.add_argument('--tie-config', choices=['true', 'false'],
                    help="config.json's tie_word_embeddings (default: false"
                    " for --mlm untied)")
    ap.add_argument('--pooler', action='store_true',
                    help='include the (unused) pooler.dense layer')
    ap.add_argument('--act', default='gelu')
    ap.add_argument('--cased', action='store_true')
    ap.add_argument('--vocab', help='vocab.txt to use')
    ap.add_argument('--small-vocab', action='store_true',
                    help='use the generated vocabulary even when the real'
                    ' one is present')
    ap.add_argument('--std', type=float, default=0.1)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    if args.hidden % args.heads:
        raise SystemExit('--hidden must be a multiple of --heads')

    os.makedirs(args.out, exist_ok=True)
    vocab_path = args.vocab or (None if args.small_vocab else SHARED_VOCAB)
    if vocab_path and os.path.exists(vocab_path):
        with open(vocab_path, encoding='utf-8') as f:
            vocab = [line.rstrip('\n') for line in f]
    elif args.vocab:
        raise SystemExit('%s: no such file' % args.vocab)
    else:
        vocab = small_vocab()
    with open(os.path.join(args.out, 'vocab.txt'), 'w',
              encoding='utf-8') as f:
        f.write(''.join(t + '\n' for t in vocab))

    rng = np.random.default_rng(args.seed)
    weights = make_weights(args, len(vocab), rng)
    write_safetensors(os.path.join(args.out, 'model.safetensors'), weights,
                      args.dtype, {'format': 'pt'})

    arch = 'BertForMaskedLM' if args.mlm != 'none' else 'BertModel'
    write_json(os.path.join(args.out, 'config.json'), {
        'architectures': [arch],
        'attention_probs_dropout_prob': 0.1,
        'hidden_act': args.act,
        'hidden_dropout_prob': 0.1,
        'hidden_size': args.hidden,
        'initializer_range': 0.02,
        'intermediate_size': args.intermediate,
        'layer_norm_eps': 1e-12,
        'max_position_embeddings': args.max_positions,
        'model_type': 'bert',
        'num_attention_heads': args.heads,
        'num_hidden_layers': args.layers,
        'pad_token_id': 0,
        'position_embedding_type': 'absolute',
        'tie_word_embeddings': (args.tie_config == 'true'
                                if args.tie_config else args.mlm != 'untied'),
        'torch_dtype': {'F32': 'float32', 'F16': 'float16',
                        'BF16': 'bfloat16'}[args.dtype],
        'type_vocab_size': args.type_vocab,
        'vocab_size': len(vocab),
    })
    write_json(os.path.join(args.out, 'tokenizer_config.json'), {
        'cls_token': '[CLS]',
        'do_basic_tokenize': True,
        'do_lower_case': not args.cased,
        'mask_token': '[MASK]',
        'model_max_length': args.max_positions,
        'pad_token': '[PAD]',
        'sep_token': '[SEP]',
        'strip_accents': None,
        'tokenize_chinese_chars': True,
        'tokenizer_class': 'BertTokenizer',
        'unk_token': '[UNK]',
    })
    if args.pooling:
        write_sentence_transformers(args, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
