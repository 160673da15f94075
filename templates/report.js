// hfaudit report: sorting and filtering. Reads only the DOM; carries no data.
(function () {
  "use strict";
  var doc = document;
  var NUMBER = /^-?[0-9][0-9,]*(\.[0-9]+)?$/;

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  function key(cell) {
    if (!cell) {
      return "";
    }
    if (cell.querySelector(".none")) {
      return "";
    }
    return cell.textContent.replace(/\s+/g, " ").trim();
  }

  // Empty cells sort last in both directions.
  function compare(a, b, ascending) {
    if (a === b) {
      return 0;
    }
    if (a === "") {
      return 1;
    }
    if (b === "") {
      return -1;
    }
    var c;
    if (NUMBER.test(a) && NUMBER.test(b)) {
      c = parseFloat(a.replace(/,/g, "")) - parseFloat(b.replace(/,/g, ""));
    } else {
      c = a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
    }
    return ascending ? c : -c;
  }

  function sortTable(table, index, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    each(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    each(table.tBodies, function (body) {
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (r1, r2) {
        return compare(key(r1.cells[index]), key(r2.cells[index]), ascending);
      });
      each(rows, function (row) {
        body.appendChild(row);
      });
    });
  }

  each(doc.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead) {
      return;
    }
    each(table.tHead.rows[0].cells, function (th, index) {
      // The header keeps its text (printed pages repeat it); the button is
      // what keyboards and screen readers use, a click anywhere sorts.
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.setAttribute("aria-label", "Sort by " + th.textContent.trim());
      th.appendChild(button);
      th.classList.add("sorts");
      th.addEventListener("click", function () {
        sortTable(table, index, th);
      });
    });
  });

  each(doc.querySelectorAll("[data-controls]"), function (controls) {
    var target = doc.getElementById(controls.getAttribute("data-controls"));
    if (!target) {
      return;
    }
    var text = controls.querySelector("[data-filter]");
    var minRank = controls.querySelector("[data-min-rank]");
    var hideMuted = controls.querySelector("[data-hide-muted]");
    var count = controls.querySelector(".count");

    function apply() {
      var needle = text ? text.value.trim().toLowerCase() : "";
      var min = minRank ? Number(minRank.value) : 0;
      var noMuted = hideMuted ? hideMuted.checked : false;
      var shown = 0;
      var total = 0;
      each(target.querySelectorAll("tbody tr"), function (row) {
        var rank = Number(row.getAttribute("data-rank") || "0");
        var visible = rank >= min &&
          !(noMuted && row.hasAttribute("data-muted")) &&
          (needle === "" || row.textContent.toLowerCase().indexOf(needle) !== -1);
        row.hidden = !visible;
        total += 1;
        shown += visible ? 1 : 0;
      });
      // A filter shows its matches even in a folded table.
      if (needle !== "") {
        var outer = target.closest("details.fold");
        if (outer) {
          outer.open = true;
        }
        each(target.querySelectorAll("details.fold"), function (fold) {
          fold.open = true;
        });
      }
      each(target.querySelectorAll("[data-group]"), function (group) {
        group.hidden = Number(group.getAttribute("data-rank")) < min;
      });
      if (count) {
        count.textContent = shown === total ? total + " rows" : shown + " of " + total + " rows shown";
      }
    }

    each([text, minRank, hideMuted], function (input) {
      if (input) {
        input.addEventListener("input", apply);
        input.addEventListener("change", apply);
      }
    });
    controls.hidden = false;
    apply();
  });
  // Printing shows every row: unfold for the print, fold back after.
  var folded = [];
  window.addEventListener("beforeprint", function () {
    folded = Array.prototype.filter.call(doc.querySelectorAll("details.fold"), function (fold) {
      return !fold.open;
    });
    each(folded, function (fold) {
      fold.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    each(folded, function (fold) {
      fold.open = false;
    });
    folded = [];
  });
})();
