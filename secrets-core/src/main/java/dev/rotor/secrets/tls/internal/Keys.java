package dev.rotor.secrets.tls.internal;

import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Private keys from PEM blocks: PKCS#8 ({@code PRIVATE KEY}), encrypted PKCS#8 ({@code ENCRYPTED PRIVATE KEY}, PBES2 or
 * PBES1, with a password), PKCS#1 RSA ({@code RSA PRIVATE KEY}) and SEC1 EC ({@code EC PRIVATE KEY}). The JDK reads
 * PKCS#8 only: the other two are wrapped into a PKCS#8 {@code PrivateKeyInfo} here. Every intermediate array holding
 * key bytes is wiped. Errors never quote the key or the password, nor a provider's message. Stateless, thread-safe.
 */
public final class Keys {
    public static final String PKCS8 = "PRIVATE KEY";
    public static final String ENCRYPTED_PKCS8 = "ENCRYPTED PRIVATE KEY";
    public static final String PKCS1_RSA = "RSA PRIVATE KEY";
    public static final String SEC1_EC = "EC PRIVATE KEY";

    private static final byte[] VERSION_0 = {Der.INTEGER, 1, 0};
    private static final byte[] DER_NULL = {Der.NULL, 0};

    private Keys() {}

    /** Whether a block with this label holds a private key this class reads. */
    public static boolean isKey(String label) {
        return label.equals(PKCS8) || label.equals(ENCRYPTED_PKCS8) || label.equals(PKCS1_RSA) || label.equals(SEC1_EC);
    }

    /**
     * The key in {@code block}.
     *
     * @param password for an encrypted key; may be null otherwise (it is not kept, nor wiped: the caller owns it)
     * @param what how errors name the key ({@code "field 'tls.key'"})
     */
    public static PrivateKey read(Pem.Block block, char[] password, String what) throws Invalid {
        if (block.hasHeaders()) {
            throw Invalid.malformed(what + " is a PEM key with headers (OpenSSL's legacy encryption, Proc-Type);"
                    + " convert it to PKCS#8 (openssl pkcs8 -topk8)");
        }
        byte[] pkcs8 = null;
        try {
            switch (block.label()) {
                case PKCS8:
                    return pkcs8(block.der(), what);
                case ENCRYPTED_PKCS8:
                    pkcs8 = decrypt(block.der(), password, what);
                    return pkcs8(pkcs8, what);
                case PKCS1_RSA:
                    pkcs8 = wrapPkcs1(block.der(), what);
                    return pkcs8(pkcs8, what);
                case SEC1_EC:
                    pkcs8 = wrapSec1(block.der(), what);
                    return pkcs8(pkcs8, what);
                default:
                    throw Invalid.malformed(what + " holds a '" + block.label() + "' block, not a private key");
            }
        } finally {
            if (pkcs8 != null) {
                Arrays.fill(pkcs8, (byte) 0);
            }
        }
    }

    /** A PKCS#8 {@code PrivateKeyInfo}: the algorithm from its identifier, then the JDK's key factory. */
    private static PrivateKey pkcs8(byte[] der, String what) throws Invalid {
        String algorithm;
        try {
            Der.Item info = new Der.Reader(der).next(Der.SEQUENCE, "PrivateKeyInfo");
            Der.Reader r = info.items();
            r.next(Der.INTEGER, "version");
            Der.Item oid = r.next(Der.SEQUENCE, "algorithm").items().next(Der.OID, "algorithm OID");
            algorithm = algorithmOf(oid);
        } catch (Der.Malformed e) {
            throw Invalid.malformed(what + " is not a valid PKCS#8 private key (" + e.getMessage() + ")");
        }
        if (algorithm == null) {
            throw Invalid.malformed(what + " is a private key of an unsupported algorithm (RSA, RSASSA-PSS, EC,"
                    + " Ed25519 and Ed448 are read)");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(spec);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw Invalid.malformed(what + " is not a valid " + algorithm + " private key ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static String algorithmOf(Der.Item oid) {
        if (oid.contentEquals(Der.RSA_ENCRYPTION) && oid.end - oid.contentStart == Der.RSA_ENCRYPTION.length) {
            return "RSA";
        }
        if (oid.contentEquals(Der.RSASSA_PSS) && oid.end - oid.contentStart == Der.RSASSA_PSS.length) {
            return "RSASSA-PSS";
        }
        if (oid.contentEquals(Der.EC_PUBLIC_KEY) && oid.end - oid.contentStart == Der.EC_PUBLIC_KEY.length) {
            return "EC";
        }
        if (oid.contentEquals(Der.ED25519) && oid.end - oid.contentStart == Der.ED25519.length) {
            return "Ed25519";
        }
        if (oid.contentEquals(Der.ED448) && oid.end - oid.contentStart == Der.ED448.length) {
            return "Ed448";
        }
        return null;
    }

    /** PKCS#1 {@code RSAPrivateKey} into {@code PrivateKeyInfo { 0, {rsaEncryption, NULL}, OCTET STRING(key) }}. */
    static byte[] wrapPkcs1(byte[] pkcs1, String what) throws Invalid {
        try {
            Der.Item key = new Der.Reader(pkcs1).next(Der.SEQUENCE, "RSAPrivateKey");
            key.items().next(Der.INTEGER, "version");
        } catch (Der.Malformed e) {
            throw Invalid.malformed(what + " is not a valid PKCS#1 RSA private key (" + e.getMessage() + ")");
        }
        byte[] algorithm = Der.item(Der.SEQUENCE, Der.item(Der.OID, Der.RSA_ENCRYPTION), DER_NULL);
        byte[] octets = Der.item(Der.OCTET_STRING, pkcs1);
        try {
            return Der.item(Der.SEQUENCE, VERSION_0, algorithm, octets);
        } finally {
            Arrays.fill(octets, (byte) 0);
        }
    }

    /**
     * SEC1 {@code ECPrivateKey { 1, OCTET STRING, [0] namedCurve, [1] publicKey }} into {@code PrivateKeyInfo { 0,
     * {id-ecPublicKey, namedCurve}, OCTET STRING(key) }}: the curve moves into the algorithm identifier.
     */
    static byte[] wrapSec1(byte[] sec1, String what) throws Invalid {
        byte[] curve = null;
        try {
            Der.Item key = new Der.Reader(sec1).next(Der.SEQUENCE, "ECPrivateKey");
            Der.Reader r = key.items();
            r.next(Der.INTEGER, "version");
            r.next(Der.OCTET_STRING, "privateKey");
            while (r.hasNext()) {
                Der.Item item = r.next();
                if (item.tag == Der.CONTEXT_0) {
                    Der.Item oid = item.items().next();
                    if (oid.tag != Der.OID) {
                        throw new Der.Malformed("named curve expected (explicit curve parameters are not supported)");
                    }
                    curve = oid.encoded();
                }
            }
        } catch (Der.Malformed e) {
            throw Invalid.malformed(what + " is not a valid SEC1 EC private key (" + e.getMessage() + ")");
        }
        if (curve == null) {
            throw Invalid.malformed(what + " is a SEC1 EC private key without its curve; write it with its"
                    + " parameters (openssl ec -param_out) or as PKCS#8");
        }
        byte[] algorithm = Der.item(Der.SEQUENCE, Der.item(Der.OID, Der.EC_PUBLIC_KEY), curve);
        byte[] octets = Der.item(Der.OCTET_STRING, sec1);
        try {
            return Der.item(Der.SEQUENCE, VERSION_0, algorithm, octets);
        } finally {
            Arrays.fill(octets, (byte) 0);
        }
    }

    /** Decrypts an {@code EncryptedPrivateKeyInfo} into the PKCS#8 bytes, which the caller wipes. */
    private static byte[] decrypt(byte[] der, char[] password, String what) throws Invalid {
        if (password == null) {
            throw Invalid.malformed(what + " is an encrypted private key and no password was given");
        }
        EncryptedPrivateKeyInfo info;
        try {
            info = new EncryptedPrivateKeyInfo(der);
        } catch (java.io.IOException | RuntimeException e) {
            throw Invalid.malformed(what + " is not a valid encrypted PKCS#8 private key");
        }
        String algorithm = info.getAlgName();
        AlgorithmParameters params = info.getAlgParameters();
        if (params != null && ("PBES2".equalsIgnoreCase(algorithm) || "1.2.840.113549.1.5.13".equals(algorithm))) {
            algorithm = params.toString(); // PBEWithHmacSHA256AndAES_256 and the like
        }
        PBEKeySpec keySpec = new PBEKeySpec(password);
        try {
            SecretKey key = SecretKeyFactory.getInstance(algorithm).generateSecret(keySpec);
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, key, params);
            PKCS8EncodedKeySpec spec = info.getKeySpec(cipher);
            return spec.getEncoded();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw Invalid.malformed(what + " is encrypted with an algorithm this Java runtime does not support");
        } catch (GeneralSecurityException | RuntimeException e) {
            throw Invalid.malformed(what + " could not be decrypted: wrong password, or a damaged key");
        } finally {
            keySpec.clearPassword();
        }
    }

    /**
     * Whether {@code key} is the private half of {@code publicKey}: for RSA the modulus and public exponent are
     * compared; for other keys a random challenge is signed with the private key and verified with the public one.
     */
    public static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (key instanceof RSAPrivateCrtKey && publicKey instanceof RSAPublicKey) {
            RSAPrivateCrtKey k = (RSAPrivateCrtKey) key;
            RSAPublicKey p = (RSAPublicKey) publicKey;
            return k.getModulus().equals(p.getModulus())
                    && k.getPublicExponent().equals(p.getPublicExponent());
        }
        String algorithm = signatureFor(key);
        if (algorithm == null || !sameFamily(key.getAlgorithm(), publicKey.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static boolean sameFamily(String a, String b) {
        return a.equals(b) || (a.startsWith("Ed") || a.equals("EdDSA")) && (b.startsWith("Ed") || b.equals("EdDSA"));
    }

    private static String signatureFor(PrivateKey key) {
        switch (key.getAlgorithm()) {
            case "RSA":
                return "SHA256withRSA";
            case "EC":
                return "SHA256withECDSA";
            case "Ed25519":
            case "Ed448":
            case "EdDSA":
                return key.getAlgorithm();
            default:
                return null; // RSASSA-PSS without a CRT key: parameters needed; refused as not matching
        }
    }
}
