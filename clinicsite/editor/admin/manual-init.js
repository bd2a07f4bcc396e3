// Decap starts when editor.js has added our words, preview and image block.
window.CMS_MANUAL_INIT = true;
