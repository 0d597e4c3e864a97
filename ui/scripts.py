"""What the page does in the browser beyond Gradio: where a new answer opens, and the theme.

Gradio's chat scrolls to its bottom whenever its value changes, which on a phone puts the
"Sources disagree" heading of a long answer out of sight: the chat is built with
`autoscroll=False` and this script scrolls instead, to the bottom while an answer is being
looked for (the question and its busy line show), and when it arrives to the top of the
question and answer, or of the answer alone when both do not fit (the window too, when
the answer's top is off screen).

The theme follows the system until the person picks one with the page's "Light / dark"
button; the choice is kept in this browser (localStorage) and wins over the system's,
also when the system's changes later.
"""

from __future__ import annotations

THEME_KEY = "newsqa-theme"

# Run once when the page has loaded (Blocks.launch(js=...)).
PAGE_JS = """
() => {
  const themeKey = 'THEME_KEY';
  const chosen = () => localStorage.getItem(themeKey);
  const applyChoice = () => {
    const theme = chosen();
    if (!theme) return;
    const dark = theme === 'dark';
    if (document.body.classList.contains('dark') !== dark) {
      document.body.classList.toggle('dark', dark);
    }
  };
  applyChoice();
  // Gradio sets the class from the system's setting, at start and whenever it changes.
  new MutationObserver(applyChoice).observe(document.body,
    {attributes: true, attributeFilter: ['class']});

  let seen = null;
  const settle = () => {
    const chat = document.querySelector('#nqa-chat');
    const log = chat && chat.querySelector('[role="log"]');
    if (!log) return;
    const busy = log.querySelector('.nqa-busy');
    const answers = log.querySelectorAll('.nqa-answer');
    const last = busy || answers[answers.length - 1] || null;
    if (!last || last === seen) return;
    seen = last;
    if (busy) {
      log.scrollTop = log.scrollHeight;
      return;
    }
    // The question and its answer from the question's top when both fit, else the
    // answer from its own top.
    const row = last.closest('.message-row') || last;
    let asked = row.previousElementSibling;
    while (asked && !(asked.classList.contains('message-row') &&
                      asked.classList.contains('user-row'))) {
      asked = asked.previousElementSibling;
    }
    const logTop = log.getBoundingClientRect().top;
    const at = (element) => element.getBoundingClientRect().top - logTop + log.scrollTop;
    const answerTop = at(row);
    const answerBottom = answerTop + row.getBoundingClientRect().height;
    const askedTop = asked ? at(asked) : answerTop;
    const fits = answerBottom - askedTop + 16 <= log.clientHeight;
    log.scrollTop = (fits ? askedTop : answerTop) - 8;
    const onScreen = last.getBoundingClientRect().top;
    if (onScreen < 0 || onScreen > window.innerHeight - 80) {
      window.scrollBy(0, onScreen - 8);
    }
  };
  const start = () => {
    const chat = document.querySelector('#nqa-chat');
    if (!chat) { setTimeout(start, 100); return; }
    new MutationObserver(() => requestAnimationFrame(settle))
      .observe(chat, {childList: true, subtree: true});
    settle();
  };
  start();
}
""".replace("THEME_KEY", THEME_KEY)

# The "Light / dark" button: the other theme than the one shown, remembered.
THEME_TOGGLE_JS = """
() => {
  const dark = !document.body.classList.contains('dark');
  localStorage.setItem('THEME_KEY', dark ? 'dark' : 'light');
  document.body.classList.toggle('dark', dark);
}
""".replace("THEME_KEY", THEME_KEY)
