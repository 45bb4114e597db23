/* The search page's script: a query -> the same keys the index was built with (terms.py), the
   buckets holding them (one small file per part and key), matches checked position by position,
   results ranked and shown 20 at a time. The core (TideSearch) runs in node for the tests. */
(function () {
  "use strict";
  var FORMAT = /*FORMAT*/0;
  var FOLD = /*FOLD*/[];
  var PAGE = 20, MAX_QUERY = 100, FOLD_PIECE = 1000;
  var OTHER = 0, LATIN = 1, HAN = 2;
  var CJK = [[0x3040, 0x30FF], [0x3100, 0x312F], [0x3400, 0x4DBF], [0x4E00, 0x9FFF], [0xAC00, 0xD7AF], [0xF900, 0xFAFF], [0x20000, 0x3FFFF]];
  var LETTER = /[\p{L}\p{N}]/u;

  var foldsBmp = new Uint32Array(0x10000), folds = new Map();  // (a table for the BMP: a Map lookup per character was most of folding)
  (function () {
    var from = Array.from(FOLD[0] || ""), to = Array.from(FOLD[1] || "");
    for (var i = 0; i < from.length; i++) {
      var c = from[i].codePointAt(0);
      if (c < 0x10000) foldsBmp[c] = to[i].codePointAt(0); else folds.set(c, to[i].codePointAt(0));
    }
  })();

  function foldCodes(text) {
    var codes = [];
    for (var i = 0; i < text.length; i++) {
      var c = text.codePointAt(i), f;
      if (c < 0x10000) f = foldsBmp[c]; else { i++; f = folds.get(c); }
      codes.push(f || c);
    }
    return codes;
  }
  function classOf(c) {
    if (c >= 0x40000 || c < 0x30) return OTHER;
    for (var i = 0; i < CJK.length; i++) if (c >= CJK[i][0] && c <= CJK[i][1]) return HAN;
    return LETTER.test(String.fromCodePoint(c)) ? LATIN : OTHER;
  }
  function hash(codes) {
    var h = 2166136261;
    for (var i = 0; i < codes.length; i++) h = Math.imul((h ^ codes[i]) >>> 0, 16777619) >>> 0;
    return h;
  }
  function keyName(codes) { return String.fromCodePoint.apply(null, codes); }

  /* A query -> terms (split on spaces, then on anything that is not a letter, digit or CJK
     character), each with the keys that pin it down and where they sit inside it. */
  function parse(query) {
    var terms = [], seen = new Set();
    var codes = foldCodes(String(query).slice(0, MAX_QUERY));
    var run = [];
    function flush() {
      if (run.length) {
        var name = keyName(run);
        if (!seen.has(name)) { seen.add(name); terms.push(termOf(run)); }
      }
      run = [];
    }
    for (var i = 0; i < codes.length; i++) {
      if (classOf(codes[i]) === OTHER) flush(); else run.push(codes[i]);
    }
    flush();
    return terms;
  }
  var PAIR = 0, SINGLE = 1, TITLE = 2, ELSEWHERE = 4;
  /* A term's keys (terms.py, part.py): a lone CJK character is its own key; otherwise a
     Latin start (0, first character) when it begins with a letter or digit, and enough pairs of
     neighbouring characters to pin every character down (every other one, and the last). */
  function termOf(codes) {
    var cls = codes.map(classOf), keys = [], n = codes.length;
    if (n === 1 && cls[0] === HAN) keys.push({ kind: SINGLE, codes: codes, at: 0 });
    else if (cls[0] === LATIN) keys.push({ kind: PAIR, codes: [0, codes[0]], at: 0 });
    for (var i = 0; i + 1 < n; i += 2) keys.push({ kind: PAIR, codes: codes.slice(i, i + 2), at: i });
    if (n > 1 && n % 2 === 1) keys.push({ kind: PAIR, codes: codes.slice(n - 2), at: n - 2 });
    keys.forEach(function (k) { k.name = k.kind + ":" + keyName(k.codes); k.title = TITLE + ":" + keyName(k.codes); });
    return { text: keyName(codes), keys: keys };
  }

  /* Varints read one after another. */
  function Cursor(bytes, at) { this.bytes = bytes; this.at = at; }
  Cursor.prototype.next = function () {
    var bytes = this.bytes, value = 0, shift = 0, b;
    do { b = bytes[this.at++]; value += (b & 0x7f) * Math.pow(2, shift); shift += 7; } while (b >= 0x80);
    return value;
  };
  Cursor.prototype.skip = function () { while (this.bytes[this.at++] >= 0x80); };

  /* A bucket file -> Map("kind:characters" -> where its postings start, or {elsewhere: n} for
     a common word kept in the bucket's n-th own file). Only the keys a query asks for are decoded
     (``postingsOf``): decoding every key of 20 buckets made more garbage than the rest of a query. */
  function readBucket(bytes) {
    var read = new Cursor(bytes, 0), found = new Map(), keys = read.next(), elsewhere = 0;
    for (var k = 0; k < keys; k++) {
      var kind = read.next(), stub = kind >= ELSEWHERE;
      if (stub) kind -= ELSEWHERE;
      var codes = [read.next()];
      if (kind !== SINGLE) codes.push(read.next());
      var name = kind + ":" + keyName(codes), start = read.at, documents = read.next();
      if (stub) { found.set(name, { elsewhere: elsewhere++ }); continue; }
      found.set(name, { bytes: bytes, at: start, kind: kind, postings: null });
      for (var d = 0; d < documents; d++) {
        read.skip();  // (the document step)
        var count = read.next();
        if (kind === PAIR) for (var i = 0; i < count; i++) read.skip();
      }
    }
    return found;
  }
  /* A key's entry in a bucket -> Map(document -> {count, positions}), decoded once. */
  function postingsOf(entry) {
    if (!entry.postings) {
      var read = new Cursor(entry.bytes, entry.at), documents = read.next(), postings = new Map(), doc = 0;
      for (var d = 0; d < documents; d++) {
        doc += read.next();
        var count = read.next(), positions = null;
        if (entry.kind === PAIR) {
          positions = new Array(count);
          for (var i = 0, p = 0; i < count; i++) { p = i ? p + read.next() : read.next(); positions[i] = p; }
        }
        postings.set(doc, { count: count, positions: positions });
      }
      entry.postings = postings;
    }
    return entry.postings;
  }

  /* One term in one part's buckets -> Map(document -> {count, first, inTitle}). */
  function matchTerm(term, lists, titles) {
    var result = new Map(), keys = term.keys;
    var order = keys.map(function (k, i) { return i; }).sort(function (a, b) { return (lists[a] ? lists[a].size : 0) - (lists[b] ? lists[b].size : 0); });
    if (!lists[order[0]]) return result;
    lists[order[0]].forEach(function (posting, doc) {
      for (var i = 1; i < order.length; i++) if (!lists[order[i]] || !lists[order[i]].has(doc)) return;
      var inTitle = keys[0].kind === PAIR && titles.every(function (t) { return t && t.has(doc); });
      if (keys[0].kind === SINGLE) { result.set(doc, { count: posting.count, first: Infinity, inTitle: false }); return; }
      var base = lists[0].get(doc).positions, sets = [], count = 0, first = -1;
      for (var s = 1; s < keys.length; s++) sets.push(new Set(lists[s].get(doc).positions));
      for (var b = 0; b < base.length; b++) {
        var start = base[b] - keys[0].at, ok = start >= 0;
        for (var j = 1; ok && j < keys.length; j++) ok = sets[j - 1].has(start + keys[j].at);
        if (ok) { count++; if (first < 0) first = start; }
      }
      if (count) result.set(doc, { count: count, first: first, inTitle: inTitle });
    });
    return result;
  }

  /* The engine: an index folder -> search(query) -> ranked results. ``load(path, kind)`` fetches
     "json" or "bytes" (the page uses fetch; the tests read files). */
  function Index(load) {
    this.load = load;
    this.buckets = new Map();
    this.manifest = null;
  }
  Index.prototype.open = function () {
    var self = this;
    if (!this.manifest) {
      this.manifest = this.load("index.json", "json").then(function (m) {
        if (m.format !== FORMAT) throw new Error("index format " + m.format);
        return m;
      });
      this.manifest.catch(function () { self.manifest = null; });
    }
    return this.manifest;
  };
  /* One file of a part (a bucket "b", or a common word's own "b-n"), read once. */
  Index.prototype.file = function (part, stem) {
    var path = "p/" + part[0] + "/" + stem + ".bin";
    if (!this.buckets.has(path)) {
      var self = this;
      var pending = this.load(path, "bytes").then(function (buffer) { return readBucket(new Uint8Array(buffer)); });
      pending.catch(function () { self.buckets.delete(path); });
      this.buckets.set(path, pending);
    }
    return this.buckets.get(path);
  };
  /* A key's postings in a part: from its bucket, or from its own file when the bucket says so. */
  Index.prototype.postings = function (part, codes, name) {
    var bucket = hash(codes) % part[2], self = this;
    return this.file(part, String(bucket)).then(function (found) {
      var got = found.get(name);
      if (got && got.elsewhere !== undefined) return self.file(part, bucket + "-" + got.elsewhere).then(function (own) { return own.get(name) && postingsOf(own.get(name)); });
      return got && postingsOf(got);
    });
  };
  Index.prototype.search = function (query) {
    var terms = parse(query), self = this;
    if (!terms.length) return Promise.resolve({ terms: terms, results: [] });
    return this.open().then(function (m) {
      var base = 0;
      return Promise.all(m.parts.map(function (part) {
        var first = base;
        base += part[1];
        return Promise.all(terms.map(function (term) {
          var lists = term.keys.map(function (key) { return self.postings(part, key.codes, key.name); });
          var titles = term.keys.map(function (key) { return key.kind === PAIR ? self.postings(part, key.codes, key.title) : null; });
          return Promise.all(lists.concat(titles)).then(function (found) {
            return matchTerm(term, found.slice(0, lists.length), found.slice(lists.length));
          });
        })).then(function (perTerm) {
          var hits = [];
          perTerm[0].forEach(function (hit, doc) {
            var all = [hit];
            for (var t = 1; t < perTerm.length; t++) { var h = perTerm[t].get(doc); if (!h) return; all.push(h); }
            hits.push(rank(first + doc, all));
          });
          return hits;
        });
      })).then(function (parts) {
        var results = [].concat.apply([], parts);
        results.sort(byRelevance);
        return { terms: terms, results: results };
      });
    });
  };
  function rank(id, hits) {
    var inTitle = 0, score = 0, first = Infinity;
    hits.forEach(function (h) {
      if (h.inTitle) inTitle++;
      score += Math.log2(1 + h.count) + (h.first === Infinity ? 0 : 1 / (1 + h.first / 500));
      first = Math.min(first, h.first);
    });
    return { id: id, inTitle: inTitle, score: score, first: first };
  }
  function byRelevance(a, b) { return b.inTitle - a.inTitle || b.score - a.score || b.id - a.id; }
  function byDate(a, b) { return b.id - a.id; }

  var core = { parse: parse, readBucket: readBucket, hash: hash, foldCodes: foldCodes, Index: Index, byDate: byDate, byRelevance: byRelevance };
  if (typeof globalThis !== "undefined") globalThis.TideSearch = core;
  if (typeof document === "undefined") return;

  /* ----- the page ----- */
  function fold(text) { return String.fromCodePoint.apply(null, foldCodes(text)); }
  function el(name, attrs, children) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  /* The text around the first match in the body, every term marked. */
  function excerpt(fragment, terms) {
    var text = fragment.text, needles = terms.map(function (t) { return fold(t.text); });
    // The text is folded a piece at a time from the body's start, until a term is found and the
    // excerpt's reach is covered (folding 20 whole articles cost more than drawing the results).
    var folded = text.slice(0, fragment.body), longest = Math.max.apply(null, needles.map(function (n) { return n.length; }));
    var at = -1, reach = Infinity;
    while (folded.length < text.length && folded.length < reach) {
      var since = Math.max(fragment.body, folded.length - longest), end = folded.length + FOLD_PIECE;
      if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end++;  // (a character outside the BMP is folded whole)
      folded += fold(text.slice(folded.length, end));
      if (at < 0) needles.forEach(function (n) { var i = folded.indexOf(n, since); if (i >= 0 && (at < 0 || i < at)) at = i; });
      if (at >= 0) reach = at + 2 * FOLD_PIECE;
    }
    if (at < 0) at = fragment.body;
    var lineStart = text.lastIndexOf("\n", at - 1) + 1;
    var from = Math.max(lineStart, at - 30), to = Math.min(text.length, from + 110);
    var lineEnd = text.indexOf("\n", at);
    if (lineEnd >= 0 && lineEnd > at + 20) to = Math.min(to, lineEnd);
    var nodes = [from > lineStart ? "…" : ""], i = from;
    while (i < to) {
      var best = -1, len = 0;
      needles.forEach(function (n) { var j = folded.indexOf(n, i); if (j >= 0 && j < to && (best < 0 || j < best)) { best = j; len = n.length; } });
      if (best < 0) { nodes.push(text.slice(i, to)); break; }
      nodes.push(text.slice(i, best), el("mark", { text: text.slice(best, best + len) }));
      i = best + len;
    }
    if (to < text.length && text[to] !== "\n") nodes.push("…");
    var heading = null;
    fragment.headings.forEach(function (h) { if (h[0] <= at) heading = h; });
    return { nodes: nodes, heading: heading };
  }

  function start() {
    var results = document.getElementById("search-results");
    var form = document.getElementById("search-form");
    var input = document.getElementById("search-input");
    var sort = document.getElementById("search-sort");
    if (!results || !form || !input) return;
    var folder = results.getAttribute("data-index"), root = results.getAttribute("data-root") || "/";
    var index = new Index(function (path, kind) {
      return fetch(folder + path).then(function (r) {
        if (!r.ok) throw new Error(path + ": " + r.status);
        return kind === "json" ? r.json() : r.arrayBuffer();
      });
    });
    var fragments = new Map(), current = null, shown = 0, generation = 0;
    var status = el("p", { id: "search-status", role: "status", "aria-live": "polite" });
    var list = el("ol", { class: "search-list", id: "search-list" });
    var more = el("button", { type: "button", class: "search-more", text: "更多" });
    more.hidden = true;
    results.textContent = "";
    results.append(status, list, more);

    function fragment(id) {
      if (!fragments.has(id)) fragments.set(id, fetch(folder + "f/" + id + ".json").then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); }));
      return fragments.get(id);
    }
    function link(url) { return root.replace(/\/$/, "") + url; }
    function showMore() {
      var batch = current.results.slice(shown, shown + PAGE), gen = generation, terms = current.terms;
      shown += batch.length;
      more.hidden = shown >= current.results.length;
      var slots = batch.map(function () { var li = el("li", { class: "search-result" }); list.appendChild(li); return li; });
      return Promise.all(batch.map(function (hit, i) {
        return fragment(hit.id).then(function (f) {
          if (gen !== generation) return;
          var cut = excerpt(f, terms);
          var title = el("a", { href: link(f.url), class: "search-title" }, [f.title]);
          var meta = el("p", { class: "search-meta" }, [el("time", { datetime: f.date, text: f.date }), f.category ? " · " + f.category : ""]);
          var body = el("p", { class: "search-excerpt" }, cut.nodes);
          var parts = [el("h2", {}, [title]), meta, body];
          if (cut.heading) parts.push(el("p", { class: "search-section" }, ["见 ", el("a", { href: link(f.url) + "#" + encodeURIComponent(cut.heading[1]) }, [f.text.slice(cut.heading[0], f.text.indexOf("\n", cut.heading[0]) >>> 0 || undefined)])]));
          parts.forEach(function (p) { slots[i].appendChild(p); });
        });
      }));
    }
    function run(query) {
      var gen = ++generation;
      list.textContent = "";
      more.hidden = true;
      shown = 0;
      if (!query.trim()) { status.textContent = ""; current = null; return Promise.resolve(); }
      status.textContent = "正在搜索…";
      return index.search(query).then(function (found) {
        if (gen !== generation) return;
        if (!found.terms.length) { status.textContent = ""; current = null; return; }
        if (sort && sort.value === "date") found.results.sort(byDate);
        current = found;
        status.textContent = "找到 " + found.results.length + " 篇";
        return showMore();
      }).catch(function () {
        if (gen !== generation) return;
        status.textContent = "搜索索引加载失败，请稍后重试。";
      });
    }
    function fromUrl() {
      var q = new URLSearchParams(location.search).get("q") || "";
      input.value = q;
      return run(q);
    }
    input.addEventListener("input", function (event) {
      if (event.isComposing) return;  // (a pinyin input method's letters: its characters follow)
      var url = new URL(location.href);
      if (input.value) url.searchParams.set("q", input.value); else url.searchParams.delete("q");
      history.replaceState(null, "", url);
      run(input.value);  // at once: files already fetched are kept, and an older run's results are dropped
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = new URL(location.href);
      url.searchParams.set("q", input.value);
      if (url.href !== location.href) history.pushState(null, "", url);
      run(input.value);
    });
    if (sort) sort.addEventListener("change", function () { run(input.value); });
    more.addEventListener("click", function () {
      var next = list.children.length;
      showMore().then(function () { var a = list.children[next] && list.children[next].querySelector("a"); if (a) a.focus(); });
    });
    window.addEventListener("popstate", fromUrl);
    index.open().catch(function () {});  // the list of parts, fetched before the first keystroke
    fromUrl();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
