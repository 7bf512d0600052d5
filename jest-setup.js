// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// React 19's server renderer (pulled in by @grafana/ui's Text) needs MessageChannel,
// which jsdom lacks. Node's own keeps Jest from exiting once a port has a listener, so
// this one delivers messages with setTimeout and holds no handle.
class MessageChannel {
  constructor() {
    const port = () => ({ onmessage: null, close() {}, start() {}, addEventListener() {}, removeEventListener() {} });
    this.port1 = port();
    this.port2 = port();
    this.port1.postMessage = (data) => setTimeout(() => this.port2.onmessage?.({ data }), 0);
    this.port2.postMessage = (data) => setTimeout(() => this.port1.onmessage?.({ data }), 0);
  }
}
Object.assign(global, { MessageChannel });

// jsdom has no layout, so these observers have nothing to report: inert stand-ins.
class InertObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
Object.assign(global, {
  IntersectionObserver: global.IntersectionObserver ?? InertObserver,
  ResizeObserver: global.ResizeObserver ?? InertObserver,
});

// EmptyState draws a 96 KB inline SVG illustration, and jsdom takes over a second to
// lay it out on every render (each keystroke in a form beside it): tests get the same
// component without the picture. Its message, children and buttons are unchanged.
jest.mock('@grafana/ui', () => {
  const actual = jest.requireActual('@grafana/ui');
  const React = jest.requireActual('react');
  const EmptyState = (props) => React.createElement(actual.EmptyState, { ...props, hideImage: true });
  return { ...actual, EmptyState };
});
