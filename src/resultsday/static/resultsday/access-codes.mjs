// The access code pages: a "select all" box for the list of learners, and a print button.
// Without JavaScript the page offers a "select all" link instead, and the browser's Print.

for (const element of document.querySelectorAll("[data-rd-js-only]")) element.hidden = false;
for (const element of document.querySelectorAll("[data-rd-no-js]")) element.hidden = true;

for (const all of document.querySelectorAll("[data-rd-select-all]")) {
  const boxes = () => all.form.querySelectorAll(
    `input[type="checkbox"][name="${all.dataset.rdSelectAll}"]`,
  );
  const update = () => {
    const list = [...boxes()];
    all.checked = list.length > 0 && list.every((box) => box.checked);
  };
  all.addEventListener("change", () => {
    for (const box of boxes()) box.checked = all.checked;
  });
  all.form.addEventListener("change", (event) => {
    if (event.target !== all) update();
  });
  update();
}

for (const button of document.querySelectorAll("[data-rd-print]")) {
  button.addEventListener("click", () => window.print());
}
