// A Loquat custom element: <loquat-counter>. Loquat sets `props` (JSON from
// the server) and `elementId`; the element dispatches bubbling events to
// talk back: loquat:update-props, loquat:call-action, loquat:send-message
// and loquat:delete. See docs/elements.md.
class LoquatCounter extends HTMLElement {
  set props(value) {
    this._props = value || {};
    this.render();
  }

  get props() {
    return this._props || {};
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  render() {
    const count = Number(this.props.count) || 0;
    const label = String(this.props.label || 'Count');
    this.textContent = '';
    const value = document.createElement('span');
    value.dataset.testid = 'counter-value';
    value.textContent = `${label}: ${count}`;
    const button = (text, testid, onClick) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn btn-small';
      b.textContent = text;
      b.dataset.testid = testid;
      b.addEventListener('click', onClick);
      return b;
    };
    this.append(
      value,
      button('+1', 'counter-increment', () =>
        this.emit('loquat:update-props', { props: { ...this.props, count: count + 1 } })),
      button('Report', 'counter-action', () =>
        this.emit('loquat:call-action', { name: 'counter_report', payload: { count } })),
      button('Say it', 'counter-message', () =>
        this.emit('loquat:send-message', { content: `The counter shows ${count}.` })),
      button('Remove', 'counter-delete', () => this.emit('loquat:delete', {})),
    );
    this.style.display = 'flex';
    this.style.gap = '8px';
    this.style.alignItems = 'center';
  }
}

if (!customElements.get('loquat-counter')) {
  customElements.define('loquat-counter', LoquatCounter);
}
