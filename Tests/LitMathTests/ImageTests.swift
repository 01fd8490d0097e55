import Foundation
import Testing
@testable import LitMath

@Suite("Images")
struct ImageTests {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

    @Test("A local image is found relative to the article, copied to the same path, and keeps its alt text")
    func localImage() {
        let (pages, report, output) = TestSite.build(
            ["ddpm.md": "# DDPM\n\nInline ![noise at $t = 500$](img/noise.png) image.\n",
             "notes/deep.md": "# Deep\n\n![up one](../img/noise.png) and ![from the root](/img/noise.png)\n"],
            assets: ["img/noise.png": Self.png])
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        #expect(pages["ddpm.html"]?.contains(##"Inline <img src="img/noise.png" alt="noise at t = 500" loading="lazy"/> image."##) == true)
        #expect(pages["notes/deep.html"]?.contains(##"<img src="../img/noise.png" alt="up one" loading="lazy"/>"##) == true)
        #expect(pages["notes/deep.html"]?.contains(##"<img src="../img/noise.png" alt="from the root" loading="lazy"/>"##) == true)
        #expect(output["img/noise.png"] == Self.png)
    }

    @Test("An external image is left as written, loaded lazily, and not copied")
    func externalImage() {
        let (pages, report, output) = TestSite.build(["x.md": "![A diagram](https://example.com/a.png \"Diagram\") and ![b](//cdn.example.com/b.svg) here.\n"])
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        #expect(pages["x.html"]?.contains(##"<img src="https://example.com/a.png" alt="A diagram" title="Diagram" loading="lazy"/>"##) == true)
        #expect(pages["x.html"]?.contains(##"<img src="//cdn.example.com/b.svg" alt="b" loading="lazy"/>"##) == true)
        #expect(output.keys.filter { $0.hasSuffix(".png") || $0.hasSuffix(".svg") }.isEmpty)
    }

    @Test("A missing image is an error at its path, and the build writes nothing")
    func missingImage() {
        let (_, report, output) = TestSite.build(["x.md": "# X\n\nSee ![the plot](img/plot.png).\n"], assets: ["img/other.png": Self.png])
        #expect(report.diagnostics.map(\.description) == ["content/x.md:3:17: error: image 'img/plot.png' not found (looked for img/plot.png in the content folder)"])
        #expect(output.isEmpty)
    }

    @Test("A path that leaves the content folder is an error, whether written or through a symbolic link")
    func outsideContent() throws {
        let (_, report, _) = TestSite.build(["notes/x.md": "# X\n\n![secret](../../etc/passwd)\n"])
        #expect(report.diagnostics.map(\.description) == ["content/notes/x.md:3:11: error: image '../../etc/passwd' is outside the content folder"])

        let outside = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outside) }
        try Self.png.write(to: outside.appendingPathComponent("secret.png"))
        let content = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: content) }
        try FileManager.default.createSymbolicLink(at: content.appendingPathComponent("link.png"), withDestinationURL: outside.appendingPathComponent("secret.png"))
        let builder = SiteBuilder(contentDirectory: content, outputDirectory: content.appendingPathComponent("site"))
        let (files, linked) = builder.render([(path: "x.md", display: "content/x.md", text: "![s](link.png)\n")])
        #expect(linked.diagnostics.map(\.description) == ["content/x.md:1:6: error: image 'link.png' links outside the content folder"])
        #expect(files.isEmpty)
    }

    @Test("An image alone in its paragraph with a caption is a numbered figure, named by its caption")
    func figure() {
        let (pages, report, _) = TestSite.build(
            ["x.md": "# X\n\n![Noise at five levels](img/noise.png \"Noise at $t = 0, 250, \\dots$\") {#fig:noise}\n\n![Second](img/noise.png \"Again\")\n\nSee Figure \\ref{fig:noise}.\n"],
            assets: ["img/noise.png": Self.png])
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        let html = pages["x.html"] ?? ""
        #expect(html.contains(##"<figure class="lm-figure" id="fig:noise" aria-labelledby="fig:noise-caption"><img src="img/noise.png" alt="Noise at five levels" loading="lazy"/>"##
            + ##"<figcaption id="fig:noise-caption"><span class="lm-figure-number">Figure 1.</span> Noise at <span class="katex">"##))
        #expect(html.contains(##"<figure class="lm-figure" id="figure-1" aria-labelledby="figure-1-caption"><img src="img/noise.png" alt="Second" loading="lazy"/>"##
            + ##"<figcaption id="figure-1-caption"><span class="lm-figure-number">Figure 2.</span> Again</figcaption></figure>"##))
        #expect(html.contains(##"See Figure <a class="lm-ref" href="#fig:noise">1</a>."##))
    }

    @Test("A labelled image without a caption is an error at the label")
    func labelWithoutCaption() {
        let (_, report, _) = TestSite.build(["x.md": "# X\n\n![Noise](img/n.png) {#fig:n}\n"], assets: ["img/n.png": Self.png])
        #expect(report.diagnostics.map(\.description) == ["content/x.md:3:21: error: figure 'fig:n' has no caption to number"])
    }

    @Test("Content paths: resolution, escapes, external URLs")
    func contentPaths() {
        #expect(ContentPath.resolve("img/a%20b.png?v=2#x", from: "ddpm.md") == "img/a b.png")
        #expect(ContentPath.resolve("./../img/a.png", from: "notes/x.md") == "img/a.png")
        #expect(ContentPath.resolve("/img/a.png", from: "notes/x.md") == "img/a.png")
        #expect(ContentPath.resolve("../a.png", from: "x.md") == nil)
        #expect(ContentPath.resolve("img/../../a.png", from: "x.md") == nil)
        #expect(ContentPath.isExternal("https://x.org/a.png") && ContentPath.isExternal("data:image/png;base64,AA") && ContentPath.isExternal("//x.org/a"))
        #expect(!ContentPath.isExternal("img/a.png") && !ContentPath.isExternal("a:b/c.png".replacingOccurrences(of: "a:", with: "1a:")))
        #expect(ContentPath.pageURL("/img/a.png", from: "notes/deep/x.md") == "../../img/a.png")
        #expect(ContentPath.pageURL("img/a.png", from: "notes/x.md") == "img/a.png")
    }
}
