// Corporate Parenting Board scorecard: keeps the server-rendered page live.
// It follows /events (server-sent events) and, when a figure changes, writes
// the new value and counts into the page and briefly highlights its card.
// Figures arrive already formatted ("75.8%", "502 of 662"); only the change
// on a year ago and the sparkline are worked out here (as the server does).
(function () {
  'use strict';

  var body = document.body;
  if (body.dataset.live !== 'true' || !window.EventSource) {
    return;
  }

  var lastSeq = Number(body.dataset.sequence || '0');
  var asAt = body.dataset.asAt || '';
  var statusEl = document.getElementById('status');
  var statusText = document.getElementById('status-text');
  var announcer = document.getElementById('announcer');
  var upstream = 'connecting';
  var streamOpen = false;
  var lastUpdate = null;
  var source = null;

  // --- formatting (mirrors format.go) ---------------------------------------

  function round1(v) {
    return Math.round(v * 10) / 10;
  }

  function formatInt(n) {
    var s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return n < 0 ? '\u2212' + s : s;
  }

  function changeText(unit, now, earlier, nowNum, earlierNum) {
    if (unit === 'percent') {
      var d = round1(Math.abs(now - earlier));
      if (d === 0) {
        return { text: 'no change on a year ago', dir: 'same' };
      }
      var dir = now < earlier ? 'down' : 'up';
      return { text: dir + ' ' + d.toFixed(1) + (d === 1 ? ' point' : ' points') + ' on a year ago', dir: dir };
    }
    if (unit === 'count') {
      var c = nowNum - earlierNum;
      if (c > 0) { return { text: 'up ' + formatInt(c) + ' on a year ago', dir: 'up' }; }
      if (c < 0) { return { text: 'down ' + formatInt(-c) + ' on a year ago', dir: 'down' }; }
      return { text: 'no change on a year ago', dir: 'same' };
    }
    return null;
  }

  function judgement(polarity, dir) {
    if (dir === 'same') { return 'neutral'; }
    if (polarity === 'higher_is_better') { return dir === 'up' ? 'better' : 'worse'; }
    if (polarity === 'lower_is_better') { return dir === 'down' ? 'better' : 'worse'; }
    return 'neutral';
  }

  // --- sparkline (mirrors sparkPoints in format.go) --------------------------

  var SPARK_W = 160, SPARK_H = 40, SPARK_PAD = 4;

  function sparkDomain(vals, minSpan, unit) {
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    if (hi - lo < minSpan) {
      var mid = (hi + lo) / 2;
      lo = mid - minSpan / 2;
      hi = mid + minSpan / 2;
      if (lo < 0 && vals.every(function (v) { return v >= 0; })) {
        lo = 0;
        hi = minSpan;
      }
      if (unit === 'percent' && hi > 100) {
        lo = 100 - minSpan;
        hi = 100;
      }
    }
    return [lo, hi];
  }

  function sparkPoints(vals, minSpan, unit) {
    var n = vals.length, d = sparkDomain(vals, minSpan, unit), lo = d[0], hi = d[1];
    var pts = [], x = 0, y = 0;
    for (var i = 0; i < n; i++) {
      x = n > 1 ? SPARK_PAD + i * (SPARK_W - 2 * SPARK_PAD) / (n - 1) : SPARK_W / 2;
      y = hi > lo ? SPARK_PAD + (SPARK_H - 2 * SPARK_PAD) * (1 - (vals[i] - lo) / (hi - lo)) : SPARK_H / 2;
      x = Math.round(x * 10) / 10;
      y = Math.round(y * 10) / 10;
      pts.push(x + ',' + y);
    }
    return { points: pts.join(' '), x: x, y: y };
  }

  function redrawSpark(svg, value, display, unit) {
    var vals;
    try {
      vals = JSON.parse(svg.getAttribute('data-points') || '[]');
    } catch (e) {
      return;
    }
    if (!vals.length) { return; }
    vals[vals.length - 1] = value;
    svg.setAttribute('data-points', JSON.stringify(vals));
    var g = sparkPoints(vals, Number(svg.getAttribute('data-min-span') || '0'), unit);
    var line = svg.querySelector('polyline');
    var dot = svg.querySelector('circle');
    if (line) { line.setAttribute('points', g.points); }
    if (dot) { dot.setAttribute('cx', g.x); dot.setAttribute('cy', g.y); }
    var label = (svg.getAttribute('aria-label') || '').replace(/ to .* in ([A-Za-z]+ \d{4})$/, ' to ' + display + ' in $1');
    svg.setAttribute('aria-label', label);
    var title = svg.querySelector('title');
    if (title) { title.textContent = label; }
  }

  // --- applying changes -------------------------------------------------------

  function setText(root, selector, text) {
    var el = root.querySelector(selector);
    if (el && typeof text === 'string') { el.textContent = text; }
  }

  function updateChange(row, v, polarity) {
    var el = row.querySelector('.js-change');
    if (!el) { return; }
    var c = changeText(v.unit, v.value, Number(el.dataset.earlierValue), v.numerator, Number(el.dataset.earlierNumerator));
    if (!c) { return; }
    var j = judgement(polarity, c.dir);
    el.className = 'change change-' + j + ' js-change';
    el.textContent = '';
    var arrow = document.createElement('span');
    arrow.className = 'arrow';
    arrow.setAttribute('aria-hidden', 'true');
    arrow.textContent = c.dir === 'up' ? '\u25B2' : c.dir === 'down' ? '\u25BC' : '\u25CF';
    var text = document.createElement('span');
    text.className = 'change-text';
    text.textContent = c.text;
    el.appendChild(arrow);
    el.appendChild(document.createTextNode(' '));
    el.appendChild(text);
    if (j !== 'neutral') {
      var hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = ' (' + j + ')';
      el.appendChild(hidden);
    }
  }

  function highlight(card) {
    card.classList.remove('updated');
    void card.offsetWidth; // restart the animation
    card.classList.add('updated');
    clearTimeout(card._updatedTimer);
    card._updatedTimer = setTimeout(function () { card.classList.remove('updated'); }, 2800);
  }

  function applyValue(v, changedCards, said) {
    var els = document.querySelectorAll('[data-key="' + CSS.escape(v.key) + '"]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.dataset.numerator === String(v.numerator) && el.dataset.denominator === String(v.denominator)) {
        continue;
      }
      el.dataset.numerator = String(v.numerator);
      el.dataset.denominator = String(v.denominator);
      el.dataset.value = String(v.value);
      setText(el, '.js-value', v.display);
      setText(el, '.js-counts', v.counts || '');
      var card = el.closest('.card');
      if (el.classList.contains('figure-row')) {
        updateChange(el, v, card ? card.dataset.polarity : 'context');
        var svg = el.querySelector('.js-spark');
        if (svg) { redrawSpark(svg, v.value, v.display, v.unit); }
      }
      if (card && changedCards.indexOf(card) < 0) {
        changedCards.push(card);
        var title = card.querySelector('.card-title');
        said.push((title ? title.textContent : v.indicator_id) + ' is now ' + v.display + (v.counts ? ', ' + v.counts : ''));
      }
    }
  }

  function applyEvent(ev) {
    var data;
    try {
      data = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    var seq = Number(ev.lastEventId || data.sequence || 0);
    if (!data.snapshot && seq && seq <= lastSeq) {
      return; // already shown
    }
    var values = data.values || [];
    for (var k = 0; k < values.length; k++) {
      if (values[k].as_at_date && asAt && values[k].as_at_date > asAt) {
        // A new day: the year-ago figures and benchmarks move too.
        window.location.reload();
        return;
      }
    }
    var changed = [], said = [];
    values.forEach(function (v) { applyValue(v, changed, said); });
    changed.forEach(highlight);
    if (seq) {
      lastSeq = seq;
      body.dataset.sequence = String(seq);
    }
    if (said.length) {
      lastUpdate = new Date();
      announcer.textContent = 'Updated: ' + said.join('; ') + '.';
    }
    renderStatus();
  }

  // --- connection status ------------------------------------------------------

  function two(n) { return (n < 10 ? '0' : '') + n; }

  function renderStatus() {
    var state, text;
    if (streamOpen && upstream === 'connected') {
      state = 'live';
      text = 'Live figures';
      if (lastUpdate) {
        text += ' \u00B7 updated ' + two(lastUpdate.getHours()) + ':' + two(lastUpdate.getMinutes()) + ':' + two(lastUpdate.getSeconds());
      }
    } else if (streamOpen && upstream === 'connecting') {
      state = 'connecting';
      text = 'Connecting to live figures\u2026';
    } else {
      state = 'reconnecting';
      text = 'Reconnecting \u2014 figures shown may be out of date';
    }
    statusEl.dataset.state = state;
    if (statusText.textContent !== text) { statusText.textContent = text; }
  }

  function connect() {
    source = new EventSource('events?after=' + encodeURIComponent(String(lastSeq)));
    source.addEventListener('open', function () { streamOpen = true; renderStatus(); });
    source.addEventListener('error', function () {
      streamOpen = false;
      renderStatus();
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. a 503): try again, resuming after lastSeq.
        setTimeout(connect, 5000);
      }
    });
    source.addEventListener('status', function (ev) {
      try { upstream = JSON.parse(ev.data).upstream || upstream; } catch (e) { /* ignore */ }
      renderStatus();
    });
    source.addEventListener('change', applyEvent);
    source.addEventListener('snapshot', applyEvent);
  }

  connect();
})();
