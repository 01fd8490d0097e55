import Foundation

/// What `litmath serve` adds to the pages it serves, and only to those: a script that listens
/// for server-sent events (reload after a good build, show the diagnostics after a failed one),
/// and the error overlay itself. Built sites never contain any of it.
enum LiveReload {
    /// The path of the event stream.
    static let eventsPath = "/__litmath/events"
    /// The id of the overlay element.
    static let overlayID = "litmath-build-error"

    static let style = """
        #litmath-build-error { position: fixed; inset: 0; z-index: 2147483647; overflow: auto; margin: 0;
          padding: 1.5rem; background: rgba(24, 26, 29, .95); color: #f3f4f6; color-scheme: dark;
          font: 14px/1.5 "DejaVu Sans Mono", ui-monospace, monospace; }
        #litmath-build-error p { margin: 0 0 1rem; font: 600 16px/1.4 system-ui, "DejaVu Sans", sans-serif; color: #ff9b8a; }
        #litmath-build-error pre { margin: 0; padding: 0; border-radius: 0; background: none; color: inherit; font: inherit;
          white-space: pre-wrap; overflow-wrap: anywhere; }
        """

    static let heading = "litmath: the build failed. The page shows the last good build; fix the content and save, and it reloads by itself."

    /// The script, for a page served at state `stateID`.
    static func script(stateID: String) -> String {
        """
        (() => {
          const source = new EventSource(\(jsString(eventsPath + "?since=" + (stateID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))));
          source.addEventListener('reload', () => location.reload());
          source.addEventListener('failed', event => {
            let overlay = document.getElementById(\(jsString(overlayID)));
            if (!overlay) {
              overlay = document.createElement('div');
              overlay.id = \(jsString(overlayID));
              overlay.setAttribute('role', 'alert');
              const heading = document.createElement('p');
              heading.textContent = \(jsString(heading));
              overlay.append(heading, document.createElement('pre'));
              document.body.append(overlay);
            }
            overlay.querySelector('pre').textContent = event.data;
          });
        })();
        """
    }

    /// The markup inserted before `</body>`: the style, the overlay when `failure` is set (its
    /// text escaped), and the script.
    static func snippet(stateID: String, failure: String?) -> String {
        var nodes: [HTMLNode] = [.el("style", [], [.raw(style)])]
        if let failure {
            nodes.append(.el("div", [("id", overlayID), ("role", "alert")], [.el("p", [], text: heading), .el("pre", [], text: failure)]))
        }
        nodes.append(.el("script", [], [.raw(script(stateID: stateID))]))
        return HTMLNode.fragment(nodes).rendered
    }

    /// `page` with the snippet inserted before its last `</body>` (or appended when it has none),
    /// as three pieces: the bytes before, the snippet, the bytes after. The pieces are slices of
    /// `page` that share its storage, so a request for a page of a hundred megabytes costs the
    /// snippet, not a copy of the page (and sixteen parallel requests, not sixteen copies).
    static func inject(into page: Data, stateID: String, failure: String?) -> [Data] {
        let snippet = Data(snippet(stateID: stateID, failure: failure).utf8)
        guard let end = lastBodyEnd(in: page) else { return [page, snippet] }
        return [page[page.startIndex..<end], snippet, page[end..<page.endIndex]]
    }

    /// The index of the last `</body>` (any case) in `page`, scanning its bytes in place.
    static func lastBodyEnd(in page: Data) -> Data.Index? {
        let tag = Array("</body>".utf8)
        return page.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Data.Index? in
            guard bytes.count >= tag.count else { return nil }
            var i = bytes.count - tag.count
            while i >= 0 {
                var match = true
                for k in 0..<tag.count {
                    var byte = bytes[i + k]
                    // ASCII upper case to lower case; the tag itself has no other letters.
                    if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte += 32 }
                    if byte != tag[k] { match = false; break }
                }
                if match { return page.startIndex + i }
                i -= 1
            }
            return nil
        }
    }

    /// A JavaScript string literal that is also safe inside `<script>`: JSON with `<` escaped.
    static func jsString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed])) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }
}
