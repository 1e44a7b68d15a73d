// <hs-chart>: one ECharts instance per element, resized with its box, disposed with it. ARIA descriptions on.
import {LitElement, html, css} from 'lit';

let loading = null;

/**
 * Starts loading ECharts (a megabyte of script) if not yet started, and resolves to it. Not a static import, so the
 * sign-in screen and the app's shell never wait for it; the app calls this as soon as it knows a chart will follow.
 */
export function loadCharts() {
  loading ??= import('echarts/dist/echarts.esm.min.js');
  return loading;
}

export class HsChart extends LitElement {
  static properties = {option: {attribute: false}, label: {}};
  static styles = css`
    :host { display: block; position: relative; height: 340px; }
    #c { position: absolute; inset: 0; }
  `;

  render() {
    return html`<div id="c" role="img" aria-label=${this.label || 'Chart'}></div>`;
  }

  async firstUpdated() {
    const echarts = await loadCharts();
    if (!this.isConnected) return;
    this.chart = echarts.init(this.renderRoot.querySelector('#c'), null, {renderer: 'canvas'});
    this.resizer = new ResizeObserver(() => this.chart?.resize());
    this.resizer.observe(this);
    // Tests and screenshots wait for this: the chart has drawn its current option.
    this.chart.on('finished', () => { this.dataset.rendered = 'true'; });
    // A click on a data item (a bar, a point) as a DOM event, for screens that open what it stands for.
    this.chart.on('click', p => this.dispatchEvent(new CustomEvent('chart-click', {bubbles: true, composed: true,
      detail: {seriesIndex: p.seriesIndex, seriesName: p.seriesName, dataIndex: p.dataIndex}})));
    this.apply();
  }

  updated(changed) {
    if (changed.has('option')) this.apply();
  }

  apply() {
    if (!this.chart || !this.option) return;
    this.dataset.rendered = 'false';
    this.chart.setOption({aria: {enabled: true}, animation: false, ...this.option}, {notMerge: true});
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.resizer?.disconnect();
    this.chart?.dispose();
    this.chart = null;
  }
}
customElements.define('hs-chart', HsChart);
