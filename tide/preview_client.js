/* The preview's page script, next to livereload.js (which speaks the protocol and swaps CSS).
 * - A reload of a page is done by fetching it and swapping <body> (and the <meta> tags and JSON-LD): no
 *   stylesheet, script or image is fetched and decoded again, so an edit shows sooner. If the
 *   rest of <head> changed, or the fetch fails, the page is reloaded the ordinary way.
 * - Each page knows which build it shows; our socket says the current one when it connects,
 *   so a reload message that arrived while the browser was between pages is never lost.
 * - With --navigate the socket also says where the edited article is (a view of a page, such as the
 *   desk's share card, goes to the same view of it).
 */
(function () {
  var state = window.__tide = window.__tide || { shown: __GENERATION__, asked: 0 };
  var META = "meta[name], meta[property], script[type='application/ld+json']"; /* what an edit may change in <head> */

  function shape(head) { /* the head without what an edit may change in place */
    var copy = head.cloneNode(true);
    copy.querySelectorAll(META + ", title").forEach(function (n) { n.remove(); });
    return copy.innerHTML;
  }

  function TideSwap(win, host) { this.win = win; this.host = host; }
  TideSwap.identifier = "tide-swap";
  TideSwap.version = "1.0";
  TideSwap.prototype.reload = function (path) {
    if (/\.(css|png|jpe?g|gif|webp|svg|avif)$/i.test(path)) return false; /* livereload.js does these in place */
    var ask = ++state.asked;
    fetch(location.href, { cache: "no-store" }).then(function (r) { return r.text(); }).then(function (html) {
      if (ask !== state.asked) return; /* a newer save is on its way */
      var doc = new DOMParser().parseFromString(html, "text/html");
      if (shape(doc.head) !== shape(document.head)) { location.reload(); return; }
      document.head.querySelectorAll(META).forEach(function (n) { n.remove(); });
      doc.head.querySelectorAll(META).forEach(function (n) { document.head.appendChild(n); });
      document.title = doc.title;
      document.body.replaceWith(doc.body);
      var mark = doc.querySelector("script[data-tide-generation]");
      if (mark) state.shown = Number(mark.getAttribute("data-tide-generation"));
    }).catch(function () { location.reload(); });
    return true;
  };
  window.LiveReloadPluginTideSwap = TideSwap;

  if (state.socket) return; /* a swapped-in body brings this script again, inert: keep the first socket */
  var ws = state.socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/_tide/events");
  ws.onmessage = function (e) {
    var m = JSON.parse(e.data);
    if (m.generation !== undefined && m.generation !== state.shown) location.reload();
    if (m.navigate) {
      /* A page about another page (a tool's view: <meta name="tide-shows">) follows it by asking for the new one. */
      var about = document.querySelector("meta[name='tide-shows']");
      var shows = about ? about.content : location.pathname;
      if (shows !== m.navigate) location.assign(about ? location.pathname + "?path=" + encodeURIComponent(m.navigate) : m.navigate);
    }
  };
})();
