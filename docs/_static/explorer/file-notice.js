/* cnnlesson explorer: opened from a file (file://), the page cannot start: browsers load
 * neither its modules nor its data from a file. A plain script, so that it still runs
 * there, says so and how to serve the site instead. */
(function () {
  "use strict";
  if (location.protocol !== "file:") return;
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector(".cnx");
    var status = document.getElementById("cnx-status");
    if (!root || !status) return;
    root.dataset.state = "failed";
    status.classList.add("cnx-error");
    status.textContent = "The explorer cannot run from a page opened as a file: browsers " +
      "do not let such a page load its scripts and data. Serve the site instead, e.g. run " +
      "python3 -m http.server in its folder and open http://localhost:8000/explore.html.";
  });
})();
