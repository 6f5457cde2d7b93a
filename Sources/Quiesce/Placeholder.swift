public enum QuiescePlaceholder {}
