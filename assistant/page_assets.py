"""What the chat page's browser side is given: the example questions, the style sheet and the small
scripts (opening a citation from its [n] link, zooming the page image, scrolling to the quote)."""

from __future__ import annotations

EXAMPLES = [
    "What evidence supports letting go of risk aversion?",
    "What are the seven characteristics of a resilient local economy?",
    "Which areas took part in the pilots?",
    "What did the Shropshire pilot do?",
]
CSS = """
.page-text { position: relative; white-space: pre-wrap; max-height: 18rem; overflow-y: auto; font-size: 0.92rem;
             line-height: 1.45; padding: 0.6rem; border: 1px solid var(--border-color-primary); }
.page-text mark { background: #ffe58a; color: #111; padding: 0 2px; }
.editor-note { margin-top: 8px; padding: 6px 8px; border-left: 3px solid #888; font-style: italic; }
.page-image { max-height: 34rem; overflow: auto; border: 1px solid var(--border-color-primary); cursor: zoom-in; }
.page-image.zoomed { cursor: zoom-out; }
.page-canvas { position: relative; width: 100%; }
.page-image.zoomed .page-canvas { width: 250%; }
.page-canvas img { display: block; width: 100%; height: auto; }
.quote-box { position: absolute; background: rgba(255, 213, 0, 0.38); outline: 2px solid rgba(230, 140, 0, 0.9);
             mix-blend-mode: multiply; pointer-events: none; }
#chat a[href^="#cite-"], #chat a[href^="#page-"] { font-weight: 600; text-decoration: none; padding: 0 1px; }
#chat a[href^="#cite-"]:focus-visible, #chat a[href^="#page-"]:focus-visible { outline: 2px solid #e68a00; }
#citations label { font-size: 0.85rem; }
#citations .wrap { max-height: 7.5rem; overflow-y: auto; }  /* the [n] links in the answer open citations too */
#ask-row { align-items: stretch; }
#library table { font-size: 0.85rem; }
#remove-row { align-items: flex-end; }
#remove-row > #remove { margin-bottom: 11px !important; min-height: 40px; }
#page-row { align-items: center; }
.ra-hidden, #back-to-answer { display: none !important; }
@media (max-width: 640px) {
  #ask-row { flex-wrap: nowrap; }
  #ask-row > :first-child { flex: 1 1 0 !important; min-width: 0 !important; }
  #ask-row > #ask { flex: 0 0 5rem !important; min-width: 5rem !important; }
  #chat-actions { flex-wrap: wrap; }
  #chat-actions > button { flex: 1 1 100% !important; }
  #back-to-answer { display: block !important; }
  #citations { display: none !important; }  /* the [n] links in the answer and Previous/Next do its job */
  .page-text { max-height: 14rem; }
  .page-image { max-height: 24rem; }
}
"""
# Installed once per page: a click (or Enter) on [n] or on a nearest page in the chat asks the server to
# open it in the evidence panel (through the hidden trigger button); a click on the page image zooms it.
PAGE_SCRIPT = """() => {
  if (window.reportAssistant) return;
  window.reportAssistant = { request: '' };
  const zoom = (box) => {
    box.classList.toggle('zoomed');
    const marks = Array.from(box.querySelectorAll('.quote-box'));
    if (marks.length) box.scrollTo({ top: marks[0].offsetTop - box.clientHeight / 3,
                                     left: Math.min(...marks.map(m => m.offsetLeft)) - 16, behavior: 'instant' });
  };
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const link = target && target.closest('#chat a[href^="#cite-"], #chat a[href^="#page-"]');
    if (link) {
      event.preventDefault();
      event.stopPropagation();
      window.reportAssistant.request = link.getAttribute('href').slice(1);
      document.querySelector('#open-trigger').click();
      if (window.innerWidth <= 640) document.querySelector('#evidence-panel').scrollIntoView();
      return;
    }
    const image = target && target.closest('.page-image');
    if (image) zoom(image);
  }, true);
  document.addEventListener('keydown', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.classList.contains('page-image') && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      zoom(target);
    }
  });
}"""
# After the evidence panel changed: its text scrolls to the marked sentence, its image to the quote.
SHOW_MARKS = """() => { setTimeout(() => {
  const box = document.querySelector('#evidence-text .page-text');
  const mark = box && box.querySelector('mark');
  if (mark) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  const image = document.querySelector('#page-image .page-image');
  const quote = image && image.querySelector('.quote-box');
  if (quote) image.scrollTop = Math.max(0, quote.offsetTop - image.clientHeight / 3);
}, 60); }"""
# After an answer: the chat shows the question and the start of its answer, not the end of the answer.
SHOW_ANSWER_START = """() => { setTimeout(() => {
  const chat = document.querySelector('#chat');
  const questions = chat ? chat.querySelectorAll('.message-row.user-row, .user-row') : [];
  const question = questions[questions.length - 1];
  if (!question) return;
  let box = question.parentElement;
  while (box && box !== chat.parentElement && !(box.scrollHeight > box.clientHeight + 1
         && ['auto', 'scroll'].includes(getComputedStyle(box).overflowY))) box = box.parentElement;
  if (box && box !== chat.parentElement)
    box.scrollTop += question.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
}, 80); }"""
BACK_TO_ANSWER = "() => document.querySelector('#chat').scrollIntoView()"
