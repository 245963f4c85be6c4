# pyalloc: allocation-heavy Python: dicts, lists, strings, tuples, small
# objects. Deterministic. Usage: python3 pyalloc.py [SCALE=10]
import sys
import random

scale = int(sys.argv[1]) if len(sys.argv) > 1 else 10
rnd = random.Random(1234)
check = 0
for rnd_i in range(scale):
    d = {}
    for i in range(60000):
        k = "key%d_%s" % (i, "z" * rnd.randint(0, 30))
        d[k] = [i, str(i * 3), (i, k[:5])]
    lst = sorted(d.items(), key=lambda kv: (len(kv[0]), kv[1][0]))
    words = " ".join(k for k, _ in lst[:20000]).split()
    counts = {}
    for w in words:
        counts[w[:6]] = counts.get(w[:6], 0) + 1
    nested = [[j * i for j in range(20)] for i in range(5000)]
    sets = [set(range(i % 50)) for i in range(5000)]
    check += len(d) + len(counts) + sum(map(len, sets)) + sum(x[-1] for x in nested) % 1000003
    s = []
    for i in range(50000):
        s.append(f"{i:08d}-{rnd.random():.6f}")
    check += len("".join(s)) + len(bytes(bytearray(s[-1], "ascii") * 100))
    del d, lst, words, counts, nested, sets, s
print("pyalloc scale=%d checksum=%d" % (scale, check))
