/*!
 * Context Bridge browser tracker. Sends CloudEvents to the Context Bridge collector:
 * page.viewed (URL, referrer, UTM, page load time from the Navigation Timing API),
 * page.engaged (active time, scroll depth), element.clicked, identity.identified.
 *
 *   <script async src="https://ctx.example.com/tracker.js"
 *           data-write-key="…" data-source="https://shop.example.com"></script>
 *
 * Optional: data-endpoint (default: the collector beside this script), data-auto-page="false".
 * API: ctxb.identify(customerId), ctxb.track(type, data), ctxb.page(), ctxb.flush().
 * The anonymous id is kept in localStorage across visits. Events are batched and sent with
 * fetch (keepalive); when the page is hidden or left, what is queued goes by sendBeacon.
 */
(function () {
  'use strict';
  if (window.ctxb && window.ctxb.version) return;

  var script = document.currentScript;
  var attr = function (name, fallback) {
    var value = script && script.getAttribute('data-' + name);
    return value === null || value === undefined || value === '' ? fallback : value;
  };
  var scriptUrl = script ? new URL(script.src, location.href) : new URL(location.href);
  var endpoint = attr('endpoint', scriptUrl.origin + '/v1/events');
  var writeKey = attr('write-key', '');
  var source = attr('source', location.origin);
  var STORAGE_KEY = 'ctxb_aid';
  var FLUSH_MS = 2000;
  var MAX_QUEUE = 20;

  var queue = [];
  var timer = null;
  var customerId = null;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
    });
  }

  function anonymousId() {
    try {
      var id = localStorage.getItem(STORAGE_KEY);
      if (!id) {
        id = uuid();
        localStorage.setItem(STORAGE_KEY, id);
      }
      return id;
    } catch (e) {
      var match = document.cookie.match(/(?:^|; )ctxb_aid=([^;]+)/);
      if (match) return decodeURIComponent(match[1]);
      var fresh = uuid();
      document.cookie =
        'ctxb_aid=' + encodeURIComponent(fresh) + '; max-age=63072000; path=/; samesite=lax';
      return fresh;
    }
  }

  function track(type, data) {
    var event = {
      specversion: '1.0',
      id: uuid(),
      source: source,
      type: type,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      anonymousid: anonymousId(),
      data: data || {},
    };
    if (customerId) event.customerid = customerId;
    queue.push(event);
    if (queue.length >= MAX_QUEUE) flush();
    else if (!timer) timer = setTimeout(flush, FLUSH_MS);
  }

  function flush(useBeacon) {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (queue.length === 0) return;
    var batch = queue.splice(0, queue.length);
    var body = JSON.stringify(batch);
    var url =
      endpoint +
      (endpoint.indexOf('?') < 0 ? '?' : '&') +
      'writeKey=' +
      encodeURIComponent(writeKey);
    if (useBeacon && navigator.sendBeacon) {
      // text/plain keeps the beacon a "simple" CORS request; the collector reads it as JSON.
      if (navigator.sendBeacon(url, new Blob([body], { type: 'text/plain' }))) return;
    }
    try {
      fetch(url, {
        method: 'POST',
        body: body,
        keepalive: true,
        headers: { 'content-type': 'application/cloudevents-batch+json' },
      }).catch(function () {
        queue = batch.concat(queue);
      });
    } catch (e) {
      queue = batch.concat(queue);
    }
  }

  function utm() {
    var params = new URLSearchParams(location.search);
    if (!params.get('utm_source') && !params.get('utm_medium') && !params.get('utm_campaign'))
      return undefined;
    var out = {
      source: params.get('utm_source') || '(not set)',
      medium: params.get('utm_medium') || '(not set)',
      campaign: params.get('utm_campaign') || '(not set)',
    };
    if (params.get('utm_term')) out.term = params.get('utm_term');
    if (params.get('utm_content')) out.content = params.get('utm_content');
    return out;
  }

  function loadTimeMs() {
    var nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    if (nav && nav.loadEventEnd > 0) return Math.round(nav.loadEventEnd - nav.startTime);
    return undefined;
  }

  // Engagement: time the page is visible and the user has been active in the last 30 s.
  var activeMs = 0;
  var lastTick = Date.now();
  var lastActivity = Date.now();
  var maxScroll = 0;
  function tick() {
    var now = Date.now();
    if (document.visibilityState === 'visible' && now - lastActivity < 30000)
      activeMs += now - lastTick;
    lastTick = now;
  }
  function activity() {
    tick();
    lastActivity = Date.now();
  }
  function scrollDepth() {
    var doc = document.documentElement;
    var seen = (window.scrollY || doc.scrollTop) + window.innerHeight;
    var pct =
      doc.scrollHeight > 0 ? Math.min(100, Math.round((seen / doc.scrollHeight) * 100)) : 100;
    if (pct > maxScroll) maxScroll = pct;
  }
  ['mousemove', 'keydown', 'touchstart', 'click'].forEach(function (name) {
    addEventListener(name, activity, { passive: true, capture: true });
  });
  addEventListener(
    'scroll',
    function () {
      activity();
      scrollDepth();
    },
    { passive: true },
  );
  setInterval(tick, 1000);

  var engagedSent = false;
  function leave() {
    tick();
    scrollDepth();
    if (!engagedSent && activeMs > 0) {
      engagedSent = true;
      track('page.engaged', {
        path: location.pathname,
        activeMs: activeMs,
        scrollDepthPct: maxScroll,
      });
    }
    flush(true);
  }
  addEventListener('pagehide', leave);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') leave();
    else engagedSent = false;
  });

  document.addEventListener(
    'click',
    function (e) {
      var el = e.target && e.target.closest && e.target.closest('[data-ctxb-id],a[id],button[id]');
      if (!el) return;
      var data = { path: location.pathname, elementId: el.getAttribute('data-ctxb-id') || el.id };
      var label = (el.getAttribute('data-ctxb-label') || el.textContent || '').trim().slice(0, 200);
      if (label) data.label = label;
      track('element.clicked', data);
    },
    true,
  );

  function page() {
    var data = { url: location.href, path: location.pathname };
    if (document.title) data.title = document.title;
    if (document.referrer) data.referrer = document.referrer;
    var u = utm();
    if (u) data.utm = u;
    var load = loadTimeMs();
    if (load !== undefined) data.loadTimeMs = load;
    track('page.viewed', data);
  }

  function identify(id) {
    if (!id) return;
    customerId = String(id);
    track('identity.identified', { anonymousId: anonymousId(), customerId: customerId });
  }

  window.ctxb = {
    version: '1',
    page: page,
    track: track,
    identify: identify,
    flush: function () {
      flush(false);
    },
    anonymousId: anonymousId,
  };

  if (attr('auto-page', 'true') !== 'false') {
    // After the load event, so the Navigation Timing load time is known.
    if (document.readyState === 'complete') setTimeout(page, 0);
    else
      addEventListener('load', function () {
        setTimeout(page, 0);
      });
  }
})();
