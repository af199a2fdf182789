"""Import cycles among the files of a Rust crate's src/ (file level).

Reads every `use` declaration (braces expanded) and every inline `crate::…`/`super::…` path,
resolves `crate`, `self` and `super`, and keeps an edge A -> B when file A names an item of
file B. Edges from a file to its own ancestors (a child using its parent `mod.rs`) are left
out: a parent that declares and re-exports its children is the usual shape. Prints each
cycle (strongly connected set of files) with the names that tie it; exit 1 if any.

Usage: python3 .ci/import_cycles.py [ROOT] [--under MODULE]
  ROOT     the project root (default .)
  --under  only files inside this module, e.g. viewer or render
"""
import os, re, sys


def modules(src):
    files = {}
    for d, _, fs in os.walk(src):
        for f in fs:
            if not f.endswith('.rs'):
                continue
            p = os.path.join(d, f)
            rel = os.path.relpath(p, src)[:-3].split(os.sep)
            if rel[-1] == 'mod':
                rel = rel[:-1]
            if rel in (['lib'], ['main']):
                rel = []
            files['::'.join(rel)] = p
    return files


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def expand(tree):
    """'a::{b, c::{d, e}}' -> ['a::b', 'a::c::d', 'a::c::e']"""
    tree = tree.strip()
    i = tree.find('{')
    if i < 0:
        return [tree.split(' as ')[0].strip()]
    head, body = tree[:i], tree[i + 1:tree.rfind('}')]
    parts, depth, cur = [], 0, ''
    for ch in body:
        if ch == ',' and depth == 0:
            parts.append(cur); cur = ''
            continue
        depth += (ch == '{') - (ch == '}')
        cur += ch
    parts.append(cur)
    return [head + q for p in parts if p.strip() for q in expand(p)]


def paths(text):
    text = strip_comments(text)
    out = []
    for m in re.finditer(r'\buse\s+([^;]+);', text):
        out += expand(re.sub(r'\s+', '', m.group(1)))
    out += re.findall(r'(?<![\w:])((?:crate|super)(?:::[A-Za-z_][A-Za-z_0-9]*)+)', text)
    return out


def resolve(path, me):
    parts = [p for p in path.split('::') if p]
    if not parts:
        return None
    base = me.split('::') if me else []  # the module that `self` names: the file's own
    if parts[0] == 'crate':
        cur, parts = [], parts[1:]
    elif parts[0] in ('self', 'super'):
        cur = list(base)
        while parts and parts[0] in ('self', 'super'):
            if parts[0] == 'super':
                cur = cur[:-1]
            parts = parts[1:]
    else:
        return None
    return cur, parts


def main(argv):
    root = argv[0] if argv and not argv[0].startswith('--') else '.'
    under = argv[argv.index('--under') + 1] if '--under' in argv else None
    src = os.path.join(root, 'src')
    files = modules(src)
    edges = {m: {} for m in files}
    for m, p in files.items():
        for path in paths(open(p).read()):
            r = resolve(path, m)
            if not r:
                continue
            cur, rest = r
            target, name = None, None
            for k in range(len(rest), -1, -1):
                cand = '::'.join(cur + rest[:k])
                if cand in files:
                    target, name = cand, (rest[k] if k < len(rest) else rest[-1] if rest else cand)
                    break
            if target is None or target == m:
                continue
            if m.startswith(target + '::') or target == '':
                continue  # a child using its ancestor
            edges[m].setdefault(target, set()).add(name)
    if under:
        keep = {m for m in files if m == under or m.startswith(under + '::')}
        edges = {m: {t: n for t, n in e.items() if t in keep} for m, e in edges.items() if m in keep}
    # Tarjan's strongly connected components
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    name = lambda m: files[m].replace(root.rstrip('/') + '/', '') if m in files else m
    for c in comps:
        print(f'cycle of {len(c)} files:')
        for a in c:
            for b in c:
                if b in edges[a]:
                    print(f'  {name(a)} -> {name(b)}: {", ".join(sorted(edges[a][b]))}')
    where = f'module {under}' if under else 'src'
    print(f'{len(comps)} import cycle(s) among the files of {where}' if comps else f'no import cycle among the files of {where}')
    return 1 if comps else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
