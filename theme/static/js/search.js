// Instant results for /search/, on top of a form that works without JavaScript
// (it GETs /search/?q=…, where the page explains search and lists the topics).
// Pagefind's index and this script come from our own origin only.
(async () => {
  const form = document.querySelector("[data-search-form]");
  if (!form) return;
  const input = form.elements.q;
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  let pagefind;
  try {
    pagefind = await import(form.dataset.pagefind);
    await pagefind.options({ excerptLength: 24 });
    // A large site's index comes in parts (clinicsite/search.py), merged here.
    const parts = (form.dataset.pagefindParts || "").split(" ").filter(Boolean);
    // A part that fails to load (a deploy in progress) leaves the others.
    await Promise.allSettled(parts.map((part) => pagefind.mergeIndex(part)));
  } catch (err) {
    return; // the plain form and the topic list still work
  }

  let latest = 0;
  async function run() {
    const query = input.value.trim();
    const mine = ++latest;
    const filters = {};
    for (const name of ["topic", "author"]) {
      if (form.elements[name] && form.elements[name].value) filters[name] = form.elements[name].value;
    }
    if (!query && !Object.keys(filters).length) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    const search = await pagefind.search(query || null, { filters });
    const results = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
    if (mine !== latest) return; // a newer query has started
    list.replaceChildren(
      ...results.map((r) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = r.url;
        link.textContent = r.meta.title;
        const excerpt = document.createElement("p");
        excerpt.innerHTML = r.excerpt; // Pagefind escapes the text; only <mark> is markup
        item.append(link, excerpt);
        return item;
      })
    );
    const n = search.results.length;
    status.textContent = `${n} result${n === 1 ? "" : "s"}${query ? ` for “${query}”` : ""}.`;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams(new FormData(form));
    history.replaceState(null, "", `?${params}`);
    run();
  });
  let timer;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  const params = new URLSearchParams(location.search);
  for (const [key, value] of params) if (form.elements[key]) form.elements[key].value = value;
  if (params.toString()) run();
})();
