namespace GraphDsl.Cli.Reports;

/// <summary>The report's style and script, inlined into every page (no network: the page's content security policy
/// allows nothing but inline style and script). The script makes the op table sortable by clicking a header (numbers by
/// value, text alphabetically; a second click reverses), marks the page ready (<c>html[data-ready]</c>) once it has run,
/// and with <c>#selftest</c> in the address sorts the table itself and records the result in <c>html[data-selftest]</c>,
/// which the headless-browser test reads. It builds no markup from text: rows are moved, never re-parsed.</summary>
internal static class ReportAssets
{
    public const string Style = """
body { font-family: Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1040px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #555; margin-top: 0; }
.bad { color: #C0392B; font-weight: bold; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
table.ops th { cursor: pointer; user-select: none; background: #f6f6f6; position: sticky; top: 0; }
table.ops th[aria-sort=ascending]::after { content: " \25B2"; }
table.ops th[aria-sort=descending]::after { content: " \25BC"; }
.bound { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.scroll { max-height: 560px; overflow: auto; border: 1px solid #eee; }
svg { max-width: 100%; height: auto; }
footer { margin-top: 32px; color: #777; font-size: 12px; }
""";

    public const string Script = """
(function () {
  'use strict';
  var table = document.getElementById('ops');
  function key(cell) {
    var v = cell.getAttribute('data-v');
    return v === null ? cell.textContent : parseFloat(v);
  }
  function sortBy(th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    var heads = th.parentNode.children;
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute('aria-sort');
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index]), y = key(b.cells[index]);
      var c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return ascending ? c : -c;
    });
    for (var r = 0; r < rows.length; r++) body.appendChild(rows[r]);
  }
  if (table) {
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) heads[i].addEventListener('click', function (e) { sortBy(e.currentTarget); });
  }
  var root = document.documentElement;
  if (location.hash === '#selftest') {
    var result = 'ok';
    try {
      var th = table.querySelector('th[data-key=ms]');
      var column = Array.prototype.indexOf.call(th.parentNode.children, th);
      th.click();
      th.click();
      var values = Array.prototype.map.call(table.tBodies[0].rows, function (row) { return key(row.cells[column]); });
      for (var k = 1; k < values.length; k++) if (values[k - 1] < values[k]) result = 'not sorted at row ' + k;
      if (values.length === 0) result = 'no rows';
      var drawn = document.querySelector('#roofline .series');
      if (!drawn || document.querySelectorAll('#roofline .point').length === 0) result = 'no roofline points';
      else if (!(drawn.getBBox().width > 0 && drawn.getBBox().height > 0)) result = 'the roofline has no extent';
    } catch (err) { result = 'error: ' + err.message; }
    root.setAttribute('data-selftest', result);
  }
  root.setAttribute('data-ready', 'yes');
})();
""";
}
