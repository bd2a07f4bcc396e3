// Our additions to Decap CMS (clinicsite/editor/__init__.py): plain words
// for a clinic's writers, the real page as the preview, and images that
// cannot go in without a description. No request leaves our origin.
(() => {
  const CMS = window.CMS;

  // "Publish" in Decap means "write the file": our posts go live by their
  // Status field (draft or published), so the buttons say Save.
  const en = CMS.getLocale("en");
  Object.assign(en.editor.editorToolbar, {
    publish: "Save",
    published: "Saved",
    publishing: "Saving…",
    publishNow: "Save now",
    publishAndCreateNew: "Save and write another",
    publishAndDuplicate: "Save and copy",
  });
  CMS.registerLocale("en", en);

  // Pelican's slug of a title (pelican.utils.slugify, ASCII titles).
  const slugify = (title) => String(title || "")
    .normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^\w\s-]/g, "").trim().replace(/[-\s]+/g, "-");

  // The preview pane shows the page itself, as the live preview renders it
  // after the last save (it reloads itself when a save changes the site).
  const PostPreview = window.createClass({
    render() {
      const data = this.props.entry.get("data");
      const slug = data.get("slug") || slugify(data.get("title"));
      if (!slug || this.props.entry.get("newRecord")) {
        return window.h("p", {}, "Save the post (it stays a draft) to see its page here, as the site will show it.");
      }
      const folder = data.get("status") === "draft" ? "drafts" : "posts";
      const src = `/${folder}/${slug}/`;
      return window.h("div", {style: {height: "100%"}},
        window.h("p", {}, "The page as the site shows it after the last save: ", window.h("a", {href: src, target: "_blank"}, src)),
        window.h("iframe", {src, title: "Preview of the post after the last save", style: {width: "100%", height: "85vh", border: "1px solid #c9d6d3"}}));
    },
  });
  CMS.registerPreviewTemplate("posts", PostPreview);

  // An image in the text always carries what it shows, for people who
  // cannot see it (the build refuses an image without one).
  CMS.registerEditorComponent({
    id: "described-image",
    label: "Image",
    fields: [
      {name: "image", label: "Image", widget: "image", choose_url: false},
      {name: "alt", label: "What the image shows (read aloud to people who cannot see it)", widget: "string", required: true},
    ],
    pattern: /^!\[([^\]]+)\]\((\S+)\)$/,
    fromBlock: (match) => ({alt: match[1], image: match[2]}),
    toBlock: (data) => `![${(data.alt || "").replace(/[\[\]]/g, "")}](${data.image || ""})`,
    toPreview: (data) => `<img src="${data.image}" alt="${data.alt}">`,
  });

  CMS.init();
})();
