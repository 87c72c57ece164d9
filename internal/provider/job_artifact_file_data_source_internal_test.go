package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestSetArtifactContent(t *testing.T) {
	for _, c := range []struct {
		name         string
		content      []byte
		sensitive    bool
		text, b64    types.String
		sText, sB64  types.String
		binary       bool
		size         int64
		sha256Prefix string
	}{
		{name: "text", content: []byte("1.4.0\n"), text: types.StringValue("1.4.0\n"), b64: types.StringNull(),
			sText: types.StringNull(), sB64: types.StringNull(), size: 6, sha256Prefix: "78b59140"},
		{name: "empty", content: []byte{}, text: types.StringValue(""), b64: types.StringNull(),
			sText: types.StringNull(), sB64: types.StringNull(), size: 0, sha256Prefix: "e3b0c442"},
		{name: "binary", content: []byte{0x00, 0x01, 0xff}, text: types.StringNull(), b64: types.StringValue("AAH/"),
			sText: types.StringNull(), sB64: types.StringNull(), binary: true, size: 3},
		{name: "sensitive text", content: []byte("s3cr3t"), sensitive: true, text: types.StringNull(), b64: types.StringNull(),
			sText: types.StringValue("s3cr3t"), sB64: types.StringNull(), size: 6},
		{name: "sensitive binary", content: []byte{0xc3, 0x28}, sensitive: true, text: types.StringNull(), b64: types.StringNull(),
			sText: types.StringNull(), sB64: types.StringValue("wyg="), binary: true, size: 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m jobArtifactFileModel
			setArtifactContent(&m, c.content, c.sensitive)
			if !m.Content.Equal(c.text) || !m.ContentBase64.Equal(c.b64) || !m.SensitiveContent.Equal(c.sText) || !m.SensitiveContentBase64.Equal(c.sB64) {
				t.Errorf("content %v, base64 %v, sensitive %v, sensitive base64 %v", m.Content, m.ContentBase64, m.SensitiveContent, m.SensitiveContentBase64)
			}
			if m.Binary.ValueBool() != c.binary || m.Size.ValueInt64() != c.size || len(m.SHA256.ValueString()) != 64 ||
				!strings.HasPrefix(m.SHA256.ValueString(), c.sha256Prefix) {
				t.Errorf("binary %v, size %v, sha256 %v", m.Binary, m.Size, m.SHA256)
			}
		})
	}
}
