import Foundation
import Testing
@testable import LitMath

/// The figure kinds drawn from toy data — sampler paths over the exact ODE, per-step errors, the
/// noised density (overlaid and as panels) and histograms of final samples — built by the real
/// pipeline into a temporary site and opened from `file://` in headless Chromium, with the checks
/// every page of `content/` gets in ``SiteInBrowserTests``: an accessible name, dark mode, a phone.
@Suite("Sampler paths and densities in headless Chromium")
struct FigureKindsInBrowserTests {
    static let article = """
    # Figures from toy data

    ```scheduler trajectory
    id: paths
    title: DDIM at 5, 10 and 20 steps
    data: {means: [-1, 1], std: [0.15, 0.15]}
    paths: 4
    clip_sample: false
    timestep_spacing: trailing
    samplers:
      - {label: DDIM 5 steps, scheduler: DDIM, num_inference_steps: 5}
      - {label: DDIM 10 steps, scheduler: DDIM, num_inference_steps: 10}
      - {label: DDIM 20 steps, scheduler: DDIM, num_inference_steps: 20}
    show: [exact, sampler, x0_pred]
    ```

    ```scheduler trajectory
    id: step-errors
    title: Error of each step
    data: {means: [-1, 1], std: [0.15, 0.15]}
    paths: 20
    y: step_error
    samplers:
      - {label: DPM-Solver++ 2M, scheduler: DPMSolverMultistep, num_inference_steps: 10}
    ```

    ```scheduler density
    id: noised
    title: The noised mixture
    data: {means: [-1, 1], std: [0.15, 0.15]}
    t: [0, 250, 500, 750, 999]
    ```

    ```scheduler density
    id: noised-panels
    title: The noised mixture, one panel per timestep
    data: {means: [-1, 1], std: [0.15, 0.15]}
    t: [0, 250, 500, 750, 999]
    layout: panels
    ```

    ```scheduler density
    id: histograms
    title: Final samples of DDIM and DDPM
    data: {means: [-1, 1], std: [0.15, 0.15]}
    samples: 1000
    clip_sample: false
    samplers:
      - {label: DDIM η = 0, scheduler: DDIM, num_inference_steps: 20}
      - {label: DDPM, scheduler: DDPM, num_inference_steps: 20}
    ```
    """
    static let figures = ["fig-paths", "fig-step-errors", "fig-noised", "fig-noised-panels", "fig-histograms"]

    /// Builds the article into a temporary site and runs `body` with the page's URL.
    static func withPage(_ body: (URL) throws -> Void) throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try TestSite.write(["index.md": article], to: root.appendingPathComponent("content"))
        let log = TestLog()
        let status = BuildAction(content: root.appendingPathComponent("content"), output: root.appendingPathComponent("site"),
                                 log: { log.append($0) }).run()
        #expect(status == 0, "\(log.value)")
        for id in figures {
            let csv = root.appendingPathComponent("site/index.\(id.dropFirst(4)).csv")
            #expect(FileManager.default.fileExists(atPath: csv.path), "no CSV beside \(id)")
        }
        try body(root.appendingPathComponent("site/index.html"))
    }

    @Test("Each new figure is named by its title in the accessibility tree, with a description, and loads without console problems")
    func accessibleNames() throws {
        try Self.withPage { url in
            try Browser.with { browser in
                let tab = try browser.open(url)
                defer { tab.close() }
                #expect(tab.problems.isEmpty, "\(tab.problems)")
                let names = try tab.accessibleNames(of: "figure.lm-plot-figure, svg.lm-plot")
                let expected = ["DDIM at 5, 10 and 20 steps", "Error of each step", "The noised mixture",
                                "The noised mixture, one panel per timestep", "Final samples of DDIM and DDPM"]
                #expect(names.count == 10, "\(names.map(\.name))")
                for title in expected {
                    #expect(names.filter { $0.name.hasPrefix(title) }.count >= 2, "'\(title)' names its figure and its SVG: \(names.map(\.name))")
                }
                let descriptions: [String] = try tab.evaluate("[...document.querySelectorAll('svg.lm-plot > desc')].map(d => d.textContent)")
                #expect(descriptions.count == 5 && descriptions.allSatisfy { !$0.isEmpty })
                #expect(descriptions[3].hasPrefix("5 panels (t = 0; t = 250; t = 500; t = 750; t = 999)"), "\(descriptions[3])")
                if let folder = ProcessInfo.processInfo.environment["LITMATH_SCREENSHOTS"] {
                    for id in Self.figures {
                        try tab.screenshot(of: "#\(id)").write(to: URL(fileURLWithPath: folder).appendingPathComponent("\(id)-light.png"))
                    }
                }
            }
        }
    }

    @Test("Dark mode recolours every series, bar and panel title of the new figures")
    func darkMode() throws {
        try Self.withPage { url in
            try Browser.with { browser in
                struct Colours: Decodable { var series: [String]; var bars: [String]; var panelTitles: [String] }
                var seen: [Browser.ColorScheme: Colours] = [:]
                for scheme in [Browser.ColorScheme.light, .dark] {
                    let tab = try browser.open(url, colorScheme: scheme)
                    defer { tab.close() }
                    seen[scheme] = try tab.evaluate("""
                        ({ series: [...document.querySelectorAll('svg .lm-series')].map(p => getComputedStyle(p).stroke),
                           bars: [...document.querySelectorAll('svg .lm-bars')].map(g => getComputedStyle(g).fill),
                           panelTitles: [...document.querySelectorAll('svg .lm-panel-title')].map(t => getComputedStyle(t).fill) })
                        """)
                    if scheme == .dark, let folder = ProcessInfo.processInfo.environment["LITMATH_SCREENSHOTS"] {
                        for id in Self.figures {
                            try tab.screenshot(of: "#\(id)").write(to: URL(fileURLWithPath: folder).appendingPathComponent("\(id)-dark.png"))
                        }
                    }
                }
                let light = try #require(seen[.light]), dark = try #require(seen[.dark])
                #expect(light.series.count == dark.series.count && light.series.count > 50)
                for (l, d) in zip(light.series, dark.series) { #expect(l != d, "a series is \(l) in both modes") }
                #expect(light.bars.count == 2)
                for (l, d) in zip(light.bars, dark.bars) { #expect(l != d, "bars are \(l) in both modes") }
                #expect(light.panelTitles.count == 7)
                for (l, d) in zip(light.panelTitles, dark.panelTitles) { #expect(l != d, "a panel title is \(l) in both modes") }
            }
        }
    }

    @Test("At 390 px on an emulated phone the page with the new figures does not scroll sideways, and each figure fits")
    func phoneWidth() throws {
        try Self.withPage { url in
            try Browser.with { browser in
                let tab = try browser.open(url, width: 390, height: 844, mobile: true)
                defer { tab.close() }
                struct Width: Decodable { var scrollWidth: Int; var clientWidth: Int; var figures: [Double] }
                let width: Width = try tab.evaluate("""
                    ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
                       figures: [...document.querySelectorAll('svg.lm-plot')].map(s => s.getBoundingClientRect().right) })
                    """)
                #expect(width.scrollWidth <= width.clientWidth, "\(width.scrollWidth) px wide in \(width.clientWidth)")
                #expect(width.figures.count == 5 && width.figures.allSatisfy { $0 <= Double(width.clientWidth) + 0.5 }, "\(width.figures)")
                if let folder = ProcessInfo.processInfo.environment["LITMATH_SCREENSHOTS"] {
                    try tab.screenshot(of: "#fig-noised-panels").write(to: URL(fileURLWithPath: folder).appendingPathComponent("fig-noised-panels-390.png"))
                }
            }
        }
    }
}
