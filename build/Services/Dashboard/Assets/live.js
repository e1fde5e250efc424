// Live updates without a reload: every 2 s the page is read again and its <main data-live> swapped in when it changed,
// so a deploy's progress shows as it goes. Server-rendered throughout; this file is the only script (CSP: script-src 'self').
(function () {
  'use strict';
  const main = document.querySelector('main[data-live]');
  if (!main) {
    return;
  }

  async function refresh() {
    try {
      const answer = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store' });
      // A redirect means the session ended (sign-in page): leave the page as it is rather than swap in a form.
      if (answer.ok && !answer.redirected) {
        const next = new DOMParser().parseFromString(await answer.text(), 'text/html').querySelector('main[data-live]');
        if (next && next.innerHTML !== main.innerHTML) {
          main.innerHTML = next.innerHTML;
        }
      }
    } catch (e) {
      // The tool restarts or the network blinks: the next round tries again.
    }

    setTimeout(refresh, 2000);
  }

  setTimeout(refresh, 2000);
})();
