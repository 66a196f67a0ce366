export { compileVerifier, DEFAULT_TOLERANCE_MS } from './compile-verifier.js';
export { parseSignatureSetting } from './parse-signature-setting.js';
export { CERTIFICATE_NEEDED, checkSigningCertUrl, SNS_HOST } from './sns-signature.js';
export { HMAC_ALGORITHMS, SIGNATURE_ENCODINGS, SIGNATURE_SCHEMES } from './types.js';
export type {
  HmacAlgorithm,
  SignatureEncoding,
  SignatureScheme,
  SignatureSetting,
  SnsCertificate,
  SnsCertificateLookup,
  Verifier,
  VerifierConfig,
  VerifyFailureCode,
  VerifyInput,
  VerifyResult,
} from './types.js';
