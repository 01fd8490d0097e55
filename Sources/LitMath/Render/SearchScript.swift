/// The search box's script, `assets/search.js`: the one script litmath puts on its pages.
///
/// Pages work without it: the search form is `hidden` in the markup and only this script shows
/// it. Results are built with DOM text nodes (never `innerHTML`), so nothing from the index can
/// become markup. Every query word must occur in a section (case and accents ignored); headings
/// weigh most, then titles, then text.
enum SearchScript {
    static let source = #"""
// litmath search. The index (search-index.js) is a script, not JSON, so this works from file:// too.
(function () {
  'use strict';
  var form = document.querySelector('form.lm-search');
  var index = window.LITMATH_SEARCH;
  if (!form || !Array.isArray(index)) return;
  var input = form.querySelector('.lm-search-input');
  var list = form.querySelector('.lm-search-results');
  var root = form.getAttribute('data-root') || '';
  var limit = 8;

  function fold(text) {
    return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  }

  var sections = [];
  index.forEach(function (page) {
    page.s.forEach(function (section, i) {
      sections.push({ page: page, section: section, top: i === 0,
                      title: fold(page.t), heading: fold(section.h), text: fold(section.x) });
    });
  });

  function search(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    var found = [];
    sections.forEach(function (entry, order) {
      var score = 0, inSection = false;
      for (var i = 0; i < words.length; i++) {
        var w = words[i];
        var h = entry.heading.indexOf(w) >= 0, x = entry.text.indexOf(w) >= 0, t = entry.title.indexOf(w) >= 0;
        if (!h && !x && !t) return;
        if (h || x) inSection = true;
        score += (h ? 10 : 0) + (t ? 4 : 0) + (x ? 1 : 0);
      }
      // A title match alone finds the page once, at its top, not at every section.
      if (!entry.top && !inSection) return;
      found.push({ entry: entry, score: score, order: order, word: words[0] });
    });
    found.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    return found.slice(0, limit);
  }

  function snippet(text, word) {
    var at = fold(text).indexOf(word);
    if (at < 0) return text.slice(0, 120) + (text.length > 120 ? '…' : '');
    var start = Math.max(0, at - 40), end = Math.min(text.length, at + 100);
    return (start > 0 ? '…' : '') + text.slice(start, end) + (end < text.length ? '…' : '');
  }

  function show() {
    var results = search(input.value);
    while (list.firstChild) list.removeChild(list.firstChild);
    list.hidden = !input.value.trim();
    if (list.hidden) return;
    if (!results.length) {
      var none = document.createElement('li');
      none.className = 'lm-search-none';
      none.textContent = 'No matches';
      list.appendChild(none);
      return;
    }
    results.forEach(function (result) {
      var entry = result.entry;
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = root + entry.page.p + (entry.section.a ? '#' + entry.section.a : '');
      link.textContent = entry.section.h ? entry.page.t + ' › ' + entry.section.h : entry.page.t;
      item.appendChild(link);
      if (entry.section.x) {
        var text = document.createElement('span');
        text.className = 'lm-search-snippet';
        text.textContent = snippet(entry.section.x, result.word);
        item.appendChild(text);
      }
      list.appendChild(item);
    });
  }

  input.addEventListener('input', show);
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { input.value = ''; show(); }
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var first = list.querySelector('a');
    if (first) window.location.href = first.href;
  });
  form.hidden = false;
})();
"""#
}
