// The dashboard's only script: live figures (a page's data-live element names the JSON endpoint
// it polls: api/overview, api/job?id=...), the throughput chart, and "select all" on the Failed
// page. It writes text with textContent only.
(function () {
  'use strict';
  var body = document.body;
  var base = body.getAttribute('data-base') || '';
  var refresh = parseInt(body.getAttribute('data-refresh'), 10) || 5000;
  var SVG = 'http://www.w3.org/2000/svg';

  function lookup(data, path) {
    return path.split('.').reduce(function (value, key) {
      return value === undefined || value === null ? undefined : value[key];
    }, data);
  }

  function fillFields(data) {
    document.querySelectorAll('[data-value]').forEach(function (el) {
      var value = lookup(data, el.getAttribute('data-value'));
      if (value !== undefined && value !== null) {
        el.value = value;
      }
    });
    document.querySelectorAll('[data-field]').forEach(function (el) {
      var value = lookup(data, el.getAttribute('data-field'));
      if (value !== undefined && value !== null) {
        el.textContent = String(value);
      }
    });
    document.querySelectorAll('[data-list]').forEach(function (list) {
      var items = lookup(data, list.getAttribute('data-list')) || [];
      list.replaceChildren.apply(list, items.map(function (text) {
        var li = document.createElement('li');
        li.textContent = String(text);
        return li;
      }));
    });
    document.querySelectorAll('tbody[data-rows]').forEach(function (tbody) {
      var rows = lookup(data, tbody.getAttribute('data-rows')) || [];
      var columns = tbody.getAttribute('data-columns').split(',');
      tbody.replaceChildren.apply(tbody, rows.map(function (row) {
        var tr = document.createElement('tr');
        columns.forEach(function (column) {
          var td = document.createElement('td');
          td.textContent = row[column] === undefined ? '' : String(row[column]);
          tr.appendChild(td);
        });
        return tr;
      }));
    });
  }

  function svg(name, attributes) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      el.setAttribute(key, String(attributes[key]));
    });
    return el;
  }

  // Stacked bars per bucket: succeeded, retried, failed; a label with the highest bucket.
  function drawChart(chart, points) {
    var width = Math.max(chart.clientWidth, 300), height = 180, top = 16, bottom = 16;
    chart.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    var max = points.reduce(function (m, p) { return Math.max(m, p.processed); }, 0);
    var step = points.length ? width / points.length : width;
    var scale = max ? (height - top - bottom) / max : 0;
    var children = [svg('line', { x1: 0, y1: height - bottom, x2: width, y2: height - bottom, 'class': 'axis' })];
    points.forEach(function (p, i) {
      var y = height - bottom;
      [['succeeded', p.succeeded], ['retried', p.retried], ['failed', p.failed]].forEach(function (part) {
        var h = part[1] * scale;
        if (h > 0) {
          y -= h;
          var bar = svg('rect', { x: i * step, y: y, width: Math.max(step - 1, 1), height: h, 'class': 'bar ' + part[0] });
          var title = svg('title', {});
          title.textContent = p.start + ': ' + part[1] + ' ' + part[0];
          bar.appendChild(title);
          children.push(bar);
        }
      });
    });
    var label = svg('text', { x: 4, y: 12, 'class': 'label' });
    label.textContent = 'max ' + max + ' per bucket';
    children.push(label);
    chart.replaceChildren.apply(chart, children);
  }

  function poll(endpoint) {
    fetch(base + '/' + endpoint, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.json();
      })
      .then(function (data) {
        fillFields(data);
        var chart = document.getElementById('throughput');
        if (chart) { drawChart(chart, data.throughput || []); }
        body.removeAttribute('data-stale');
      })
      .catch(function () { body.setAttribute('data-stale', 'true'); })
      .then(function () { setTimeout(function () { poll(endpoint); }, refresh); });
  }

  var live = document.querySelector('[data-live]');
  if (live) {
    poll(live.getAttribute('data-live'));
  }

  var all = document.getElementById('select-all');
  if (all) {
    all.addEventListener('change', function () {
      document.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
    });
  }
})();
