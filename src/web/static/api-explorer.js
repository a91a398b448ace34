// Starts Swagger UI on the API explorer page (/api/docs/explorer). A file of its own: the
// Content-Security-Policy allows no inline script.
/* global document, window */
const node = document.getElementById('swagger-ui');
if (node && window.SwaggerUIBundle) {
  window.SwaggerUIBundle({
    url: node.dataset.openapiUrl,
    domNode: node,
    deepLinking: true,
    // Same origin: the browser's session cookie signs the calls in.
    withCredentials: true,
  });
}
