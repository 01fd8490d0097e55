import Foundation
import Testing
@testable import LitMath

/// What an author saw go wrong on the page (issue 10), measured in headless Chromium on a site
/// built for the purpose: wide tables scroll inside their box, a wide labelled equation never runs
/// under its number, a plot's title heads its figure, captions render Markdown.
@Suite("Presentation in headless Chromium")
struct PresentationInBrowserTests {
    static let article = #"""
        # Presentation

        A wide labelled equation:

        $$
        x_{t-1} = \sqrt{\bar\alpha_{t-1}}\left(\frac{x_t - \sqrt{1-\bar\alpha_t}\,\epsilon_\theta(x_t, t)}{\sqrt{\bar\alpha_t}}\right) + \sqrt{1-\bar\alpha_{t-1}-\sigma_t^2}\,\epsilon_\theta(x_t, t) + \sigma_t \epsilon_t \label{eq:ddim}
        $$

        A narrow one:

        $$
        \lambda_t = \log \alpha_t - \log \sigma_t \label{eq:lambda}
        $$

        ```scheduler plot
        title: Signal left with `scaled_linear`
        caption: 'The *cumulative* product $\bar\alpha_t$ for `beta_schedule: linear`.'
        y: alpha_cumprod
        y_scale: log
        series:
          - {label: linear, beta_schedule: linear}
          - {label: cosine, beta_schedule: squaredcos_cap_v2}
        ```

        ```scheduler experiment
        id: seven
        data: {means: [-1, 1], std: 0.5}
        samplers:
          - {label: DDIM, scheduler: DDIM}
          - {label: Euler, scheduler: EulerDiscrete}
          - {label: Heun, scheduler: HeunDiscrete}
          - {label: DPM-Solver++ 2M, scheduler: DPMSolverMultistep}
          - {label: DPM-Solver++ 3M, scheduler: DPMSolverMultistep, solver_order: 3}
          - {label: DPM-Solver++ 2S, scheduler: DPMSolverSinglestep}
          - {label: UniPC, scheduler: UniPCMultistep}
        steps: [5, 10]
        samples: 8
        ```

        """#

    struct Layout: Decodable {
        /// Whether the page itself scrolls sideways.
        var pageOverflows: Bool
        /// Per table box: whether it scrolls, and whether its last header cell can be scrolled fully into view.
        var tablesScroll: [Bool]
        var lastColumnReachable: [Bool]
        /// Per labelled display equation: the gap between the formula's right edge and its number's left edge (px).
        var tagGaps: [Double]
        /// Per labelled display equation: whether its number is inside the box once scrolled to the end.
        var tagReachable: [Bool]
        var headingVisible: Bool
        var headingHTML: String
        var captionHTML: String
    }

    static let probe = #"""
        (() => {
          const doc = document.documentElement;
          const boxes = [...document.querySelectorAll('.lm-table-scroll')];
          const tablesScroll = boxes.map(b => b.scrollWidth > b.clientWidth + 1);
          const lastColumnReachable = boxes.map(b => {
            b.scrollLeft = b.scrollWidth;
            const cells = b.querySelectorAll('thead th'), last = cells[cells.length - 1];
            const ok = last.getBoundingClientRect().right <= b.getBoundingClientRect().right + 1;
            b.scrollLeft = 0;
            return ok;
          });
          const displays = [...document.querySelectorAll('.katex-display')].filter(d => d.querySelector('.tag'));
          const tagGaps = displays.map(d => {
            const tag = d.querySelector('.tag').getBoundingClientRect();
            const right = Math.max(...[...d.querySelectorAll('.katex-html > .base')].map(b => b.getBoundingClientRect().right));
            return tag.left - right;
          });
          const tagReachable = displays.map(d => {
            d.scrollLeft = d.scrollWidth;
            const ok = d.querySelector('.tag').getBoundingClientRect().right <= d.getBoundingClientRect().right + 1;
            d.scrollLeft = 0;
            return ok;
          });
          const heading = document.querySelector('.lm-figure-title');
          return { pageOverflows: doc.scrollWidth > doc.clientWidth + 1, tablesScroll, lastColumnReachable, tagGaps, tagReachable,
                   headingVisible: !!heading && heading.getBoundingClientRect().height > 0 && getComputedStyle(heading).visibility === 'visible',
                   headingHTML: heading ? heading.innerHTML : '',
                   captionHTML: document.querySelector('figcaption').innerHTML };
        })()
        """#

    @Test("At 390 px (a phone) and 1280 px: tables scroll in their box, equation numbers follow their formula, titles and captions show", arguments: [
        (390, true), (1280, false),
    ])
    func layout(_ width: Int, _ mobile: Bool) throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content"), site = root.appendingPathComponent("site")
        try TestSite.write(["index.md": Self.article], to: content)
        let log = TestLog()
        #expect(BuildAction(content: content, output: site, log: { log.append($0) }).run() == 0, "\(log.value)")
        try Browser.with { browser in
            let tab = try browser.open(site.appendingPathComponent("index.html"), width: width, mobile: mobile)
            defer { tab.close() }
            let layout: Layout = try tab.evaluate(Self.probe)
            #expect(!layout.pageOverflows, "the page scrolls sideways at \(width) px")
            #expect(layout.lastColumnReachable == [true], "\(layout)")
            if width == 390 { #expect(layout.tablesScroll == [true], "the 8-column table is wider than a phone, so its box scrolls") }
            #expect(layout.tagGaps.count == 2)
            for gap in layout.tagGaps { #expect(gap >= 0, "an equation number overlaps its formula by \(-gap) px at \(width) px") }
            #expect(layout.tagReachable == [true, true])
            #expect(layout.headingVisible)
            #expect(layout.headingHTML == "Signal left with <code>scaled_linear</code>")
            #expect(layout.captionHTML.contains("The <em>cumulative</em> product <span class=\"katex\">"), "\(layout.captionHTML)")
            #expect(layout.captionHTML.contains("<code>beta_schedule: linear</code>"))
            let names = try tab.accessibleNames(of: "figure.lm-plot-figure")
            #expect(names.first?.name == "Signal left with scaled_linear", "the visible heading names the figure: \(names)")
            #expect(tab.problems.isEmpty, "\(tab.problems)")
        }
    }
}
