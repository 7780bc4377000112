// nixfront viewer-request function (CloudFront Functions, cloudfront-js-2.0), run before the cache on
// every read behaviour. Today it passes every request through unchanged; private caches will check a
// token here. It must stay a CloudFront Function (not Lambda@Edge) to keep flat-rate plans possible,
// and must stay cheap: it runs on every Nix request.
function handler(event) {
    return event.request;
}
