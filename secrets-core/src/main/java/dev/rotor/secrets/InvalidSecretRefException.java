package dev.rotor.secrets;

/**
 * A secret reference could not be parsed. The message says which rule the input broke and quotes at most a short,
 * sanitised prefix of it.
 */
public class InvalidSecretRefException extends SecretConfigurationException {
    private static final long serialVersionUID = 1L;

    public InvalidSecretRefException(String message) {
        super(message, null, null);
    }
}
