// A month field (所属月份) follows the meeting date typed in the same form: the month of the
// date, until the user picks a month by hand. The server prefills it and checks it anyway.
(function () {
  "use strict";
  document.querySelectorAll("[data-month-of]").forEach(function (marker) {
    var month = document.getElementById(marker.dataset.monthOf);
    var source = marker.dataset.monthFrom && document.getElementById(marker.dataset.monthFrom);
    if (!month || !source) return;
    var byHand = false;
    month.addEventListener("input", function () { byHand = true; });
    source.addEventListener("change", function () {
      var picked = /^(\d{4}-\d{2})/.exec(source.value || "");
      if (picked && !byHand) month.value = picked[1];
    });
  });
})();
