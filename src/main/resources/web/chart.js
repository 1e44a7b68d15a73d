// <hs-chart>: one ECharts instance per element, resized with its box, disposed with it. ARIA descriptions on.
import {LitElement, html, css} from 'lit';
import * as echarts from 'echarts/dist/echarts.esm.min.js';

export class HsChart extends LitElement {
  static properties = {option: {attribute: false}, label: {}};
  static styles = css`
    :host { display: block; position: relative; height: 340px; }
    #c { position: absolute; inset: 0; }
  `;

  render() {
    return html`<div id="c" role="img" aria-label=${this.label || 'Chart'}></div>`;
  }

  firstUpdated() {
    this.chart = echarts.init(this.renderRoot.querySelector('#c'), null, {renderer: 'canvas'});
    this.resizer = new ResizeObserver(() => this.chart?.resize());
    this.resizer.observe(this);
    // Tests and screenshots wait for this: the chart has drawn its current option.
    this.chart.on('finished', () => { this.dataset.rendered = 'true'; });
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
