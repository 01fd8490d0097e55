import Foundation
import Testing
@testable import LitMath

/// `litmath serve` with a real browser on the other end: the injected script must reload the
/// page after a good build and show the overlay after a bad one, from the event stream alone.
@Suite("litmath serve in headless Chromium")
struct ServeInBrowserTests {
    /// Polls `condition` (a JavaScript boolean expression) until it is true, at most `timeout`
    /// seconds. Errors while the page reloads (the context is replaced) count as "not yet".
    func waitUntil(_ tab: Browser.Tab, _ condition: String, timeout: TimeInterval = 20) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if let value: Bool = try? tab.evaluate("(() => { try { return Boolean(\(condition)); } catch { return false; } })()", timeout: 2), value {
                return true
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// The contrast ratio (WCAG) of the overlay's `pre` text against the background it is drawn on:
    /// the `pre`'s own background when it has one, else the overlay's.
    static let overlayContrast = """
        (() => {
          const o = document.getElementById('litmath-build-error'), pre = o.querySelector('pre');
          const rgba = s => s.match(/[\\d.]+/g).map(Number);
          const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
                                       return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
          const own = rgba(getComputedStyle(pre).backgroundColor);
          const back = own.length === 4 && own[3] === 0 ? rgba(getComputedStyle(o).backgroundColor) : own;
          const a = lum(rgba(getComputedStyle(pre).color)), b = lum(back);
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        })()
        """

    @Test("An edit reloads the open page; an error shows the overlay in place; the fix reloads it away")
    func liveReloadInBrowser() throws {
        let fixture = try ServeTests.Fixture()
        try Browser.with { browser in
            let tab = try browser.open(fixture.server.url.appendingPathComponent("ddpm.html"))
            defer { tab.close() }
            #expect(try tab.evaluate("document.body.innerText.includes('First version.')") == true)
            // Mark the document: a reload replaces it, an in-place update does not.
            let _: Bool = try tab.evaluate("(window.__before = true)")

            try fixture.write("ddpm.md", ServeTests.ddpm.replacingOccurrences(of: "First version.", with: "Second version."))
            #expect(waitUntil(tab, "document.body.innerText.includes('Second version.')"), "the page reloaded with the new text")
            #expect(try tab.evaluate("window.__before === undefined") == true, "by a reload")
            let _: Bool = try tab.evaluate("(window.__before = true)")

            let broken = ServeTests.ddpm.replacingOccurrences(of: "columns: [beta]", with: "columns: [beta]\n'<img src=x onerror=alert(1)>': 1")
            try fixture.write("ddpm.md", broken)
            #expect(waitUntil(tab, "document.getElementById('litmath-build-error')"), "the overlay appeared")
            struct Overlay: Decodable { var text: String; var images: Int; var position: String; var covers: Bool; var before: Bool }
            let overlay: Overlay = try tab.evaluate("""
                (() => { const o = document.getElementById('litmath-build-error'); const r = o.getBoundingClientRect();
                  return { text: o.querySelector('pre').textContent, images: document.querySelectorAll('img').length,
                           position: getComputedStyle(o).position, covers: r.left <= 0 && r.top <= 0 && r.width >= document.documentElement.clientWidth - 1 && r.height >= document.documentElement.clientHeight - 1,
                           before: window.__before === true }; })()
                """)
            #expect(overlay.text.contains("ddpm.md:9:1: error: unknown key '<img src=x onerror=alert(1)>' in 'scheduler table'"), "\(overlay.text)")
            #expect(overlay.images == 0, "the diagnostics are text, not markup")
            #expect(overlay.position == "fixed" && overlay.covers)
            #expect(overlay.before, "shown in place, without a reload")
            #expect(try tab.evaluate("document.body.innerText.includes('Second version.')") == true, "the last good page stays underneath")
            // The theme's `pre` rule (a light code background) must not win over the overlay's
            // colours: the text stays light on the overlay's dark backdrop, in both schemes.
            for scheme in [Browser.ColorScheme.light, .dark] {
                let other = try browser.open(fixture.server.url.appendingPathComponent("ddpm.html"), colorScheme: scheme)
                defer { other.close() }
                #expect(waitUntil(other, "document.getElementById('litmath-build-error')"), "a page opened while the build is broken shows the overlay")
                let contrast: Double = try other.evaluate(Self.overlayContrast)
                #expect(contrast >= 7, "\(scheme): the overlay's text has contrast \(contrast) against what is behind it")
            }

            try fixture.write("ddpm.md", ServeTests.ddpm.replacingOccurrences(of: "First version.", with: "Fixed version."))
            #expect(waitUntil(tab, "document.body.innerText.includes('Fixed version.') && !document.getElementById('litmath-build-error')"),
                    "the fix reloaded the page without the overlay")
            #expect(tab.problems.isEmpty, "\(tab.problems)")
        }
    }
}
